// The rollout timeline picture: one row per host, coloured by the state the journal recorded for
// it over time, reboot and finding marks, the phases as bands (the soak hatched). Built from the
// run journal (timelineFromJournal) and drawn as a self-contained SVG (no script, no external
// reference), shown in the HTML report and in `kfleet serve`. Every name is escaped.
import type { Stamped } from '../rollout/journal.js';

export interface TimelineSegment {
  from: number;
  to: number;
  state: string;
}
export interface TimelineMark {
  at: number;
  kind: 'fire' | 'up' | 'verified' | 'loop' | 'timeout' | 'finding';
  text?: string;
}
export interface TimelinePhase {
  index: number;
  from: number;
  to: number;
  soakFrom?: number;
  state: string;
}
export interface Timeline {
  run: string;
  from: number;
  to: number;
  ended: boolean;
  phases: TimelinePhase[];
  hosts: Array<{ host: string; phase: number | null; segments: TimelineSegment[]; marks: TimelineMark[] }>;
}

/** Fold a journal into a timeline; a run still going is drawn up to `now`. */
export function timelineFromJournal(records: readonly Stamped[], now = Date.now()): Timeline {
  const at = (r: Stamped) => Date.parse(r.ts);
  const first = records[0];
  const from = first ? at(first) : now;
  const endRec = records.find((r) => r.t === 'end');
  const to = Math.max(from + 1, endRec ? at(endRec) : Math.max(now, records.length ? at(records[records.length - 1]!) : now));
  const phaseOf = new Map<string, number>();
  const hostOrder: string[] = first?.t === 'run' ? [...first.hosts] : [];
  const rows = new Map<string, { segments: TimelineSegment[]; marks: TimelineMark[] }>();
  const row = (h: string) => {
    let r = rows.get(h);
    if (!r) {
      r = { segments: [], marks: [] };
      rows.set(h, r);
      if (!hostOrder.includes(h)) hostOrder.push(h);
    }
    return r;
  };
  const phases = new Map<number, TimelinePhase>();
  for (const r of records) {
    const t = at(r);
    switch (r.t) {
      case 'phases':
        r.phases.forEach((hs, i) => hs.forEach((h) => phaseOf.set(h, i)));
        break;
      case 'host': {
        const segs = row(r.host).segments;
        const last = segs[segs.length - 1];
        if (last && last.state === r.state) break;
        if (last) last.to = t;
        segs.push({ from: t, to, state: r.state });
        break;
      }
      case 'reboot':
        row(r.host).marks.push({ at: t, kind: r.stage });
        break;
      case 'finding':
        row(r.host).marks.push({ at: t, kind: 'finding', text: r.summary });
        break;
      case 'phase': {
        const p = phases.get(r.index) ?? { index: r.index, from: t, to, state: r.state };
        p.state = r.state;
        if (r.state === 'soak') p.soakFrom = t;
        if (r.state === 'done' || r.state === 'halted') p.to = t;
        phases.set(r.index, p);
        break;
      }
      default:
        break;
    }
  }
  return {
    run: first?.t === 'run' ? first.run : '',
    from,
    to,
    ended: endRec !== undefined,
    phases: [...phases.values()].sort((a, b) => a.index - b.index),
    hosts: hostOrder.map((h) => ({ host: h, phase: phaseOf.get(h) ?? null, ...(rows.get(h) ?? { segments: [], marks: [] }) })),
  };
}

/** State colours (also the legend); anything else is grey. */
export const STATE_COLOURS: Record<string, string> = {
  planned: '#c9d3df',
  applied: '#7fb3e6',
  staged: '#a58ee0',
  rebooting: '#f0b44c',
  verified: '#3fa34d',
  unchanged: '#9ccc9c',
  pending_reboot: '#e6d35c',
  refused: '#8a8a8a',
  failed: '#d9433b',
  unreachable: '#9b1c1c',
  reverted: '#e0712c',
};

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
// eslint-disable-next-line no-control-regex
const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ESC[c] ?? c).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD');

function clock(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const pad = (n: number) => String(n).padStart(2, '0');
  return h ? `+${h}:${pad(m)}:${pad(s % 60)}` : `+${m}:${pad(s % 60)}`;
}

/** A tick step (ms) giving about six ticks over `span`. */
function tickStep(span: number): number {
  const steps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400].map((s) => s * 1000);
  return steps.find((s) => span / s <= 8) ?? 86_400_000;
}

export function renderTimelineSvg(t: Timeline, opts: { width?: number; maxHosts?: number } = {}): string {
  const W = opts.width ?? 960;
  const maxHosts = opts.maxHosts ?? 200;
  const shown = t.hosts.slice(0, maxHosts);
  const LABEL = 150;
  const ROW = 16;
  const TOP = 30;
  const plotW = W - LABEL - 10;
  const H = TOP + shown.length * ROW + 40;
  const span = Math.max(1, t.to - t.from);
  const x = (ms: number) => LABEL + Math.max(0, Math.min(1, (ms - t.from) / span)) * plotW;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" class="timeline" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="Rollout timeline of run ${esc(t.run)}" font-family="system-ui,sans-serif" font-size="11">`);
  out.push('<defs><pattern id="soak" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><rect width="3" height="6" fill="#5b8def" opacity="0.18"/></pattern></defs>');
  const bottom = TOP + shown.length * ROW;
  for (const p of t.phases) {
    const x0 = x(p.from);
    const x1 = Math.max(x0 + 1, x(p.to));
    out.push(`<g class="phase" data-phase="${p.index + 1}" data-state="${esc(p.state)}"><rect x="${x0.toFixed(1)}" y="${TOP - 14}" width="${(x1 - x0).toFixed(1)}" height="${bottom - TOP + 14}" fill="${p.index % 2 ? '#f3f6fa' : '#e8eef6'}"/>`);
    if (p.soakFrom !== undefined) {
      const s0 = x(p.soakFrom);
      out.push(`<rect class="soak" x="${s0.toFixed(1)}" y="${TOP}" width="${Math.max(1, x1 - s0).toFixed(1)}" height="${bottom - TOP}" fill="url(#soak)"><title>phase ${p.index + 1} soak</title></rect>`);
    }
    out.push(`<text x="${(x0 + 3).toFixed(1)}" y="${TOP - 4}" fill="#334">phase ${p.index + 1}${p.state === 'halted' ? ' (halted)' : p.state === 'wait_promote' ? ' (waiting for promote)' : ''}</text></g>`);
  }
  shown.forEach((h, i) => {
    const y = TOP + i * ROW;
    out.push(`<g class="host" data-host="${esc(h.host)}"><text x="${LABEL - 6}" y="${y + 11}" text-anchor="end" fill="#222">${esc(h.host.length > 22 ? h.host.slice(0, 21) + '…' : h.host)}</text>`);
    for (const s of h.segments) {
      const x0 = x(s.from);
      const w = Math.max(1.5, x(s.to) - x0);
      out.push(`<rect class="seg" data-state="${esc(s.state)}" x="${x0.toFixed(1)}" y="${y + 2}" width="${w.toFixed(1)}" height="${ROW - 4}" fill="${STATE_COLOURS[s.state] ?? '#bbb'}"><title>${esc(h.host)}: ${esc(s.state)} ${clock(s.from - t.from)}</title></rect>`);
    }
    for (const m of h.marks) {
      const mx = x(m.at);
      const title = `<title>${esc(h.host)}: ${m.kind === 'finding' ? `finding: ${esc(m.text ?? '')}` : `reboot ${m.kind}`} ${clock(m.at - t.from)}</title>`;
      if (m.kind === 'finding') out.push(`<path class="mark finding" d="M${mx.toFixed(1)} ${y + 2}l5 6l-5 6l-5 -6z" fill="#b00020" stroke="#fff" stroke-width="0.8">${title}</path>`);
      else out.push(`<path class="mark reboot-${m.kind}" d="M${(mx - 4).toFixed(1)} ${y + 1}h8l-4 6z" fill="${m.kind === 'fire' ? '#222' : m.kind === 'loop' || m.kind === 'timeout' ? '#d9433b' : '#2a7'}">${title}</path>`);
    }
    out.push('</g>');
  });
  // Time axis, relative to the run's start.
  const step = tickStep(span);
  out.push(`<line x1="${LABEL}" y1="${bottom + 4}" x2="${LABEL + plotW}" y2="${bottom + 4}" stroke="#889"/>`);
  for (let ms = 0; ms <= span; ms += step) {
    const tx = x(t.from + ms);
    out.push(`<line x1="${tx.toFixed(1)}" y1="${bottom + 4}" x2="${tx.toFixed(1)}" y2="${bottom + 8}" stroke="#889"/><text x="${tx.toFixed(1)}" y="${bottom + 19}" text-anchor="middle" fill="#556">${clock(ms)}</text>`);
  }
  if (t.hosts.length > shown.length) out.push(`<text x="${LABEL}" y="${bottom + 34}" fill="#556">… and ${t.hosts.length - shown.length} more host(s)</text>`);
  else out.push(`<text x="${LABEL + plotW}" y="${bottom + 34}" text-anchor="end" fill="#556">${t.ended ? 'run ended' : 'running'} · ${esc(new Date(t.from).toISOString())} + ${clock(span).slice(1)}</text>`);
  out.push('</svg>');
  return out.join('');
}

/** The legend, as HTML. */
export function timelineLegend(): string {
  return `<p class="legend">${Object.entries(STATE_COLOURS).map(([s, c]) => `<span><i style="display:inline-block;width:10px;height:10px;background:${c};margin:0 3px 0 10px"></i>${s.replace('_', ' ')}</span>`).join('')} <span>▼ reboot · ◆ finding · hatched: soak</span></p>`;
}

export interface TimelineOptions {
  /** A run's journal records: the report then shows the rollout timeline of that run. */
  timeline?: readonly Stamped[];
}

/** The HTML report's section (empty without a journal). */
export function timelineSection(opts: TimelineOptions): string {
  if (!opts.timeline?.length) return '';
  const t = timelineFromJournal(opts.timeline);
  return `<section id="timeline"><h2>Rollout timeline (run ${esc(t.run)})</h2>${renderTimelineSvg(t)}${timelineLegend()}</section>`;
}
