// What the dashboard shows of one run, folded from its journal (replay() for where things stand,
// the records for when): phases with their hosts, failures against the budgets, the soak gate,
// each host's state and reboots, findings, and the timeline picture. Pure.
import { replay, type Stamped } from '../rollout/journal.js';
import { renderTimelineSvg, timelineFromJournal, timelineLegend } from '../report/render-timeline.js';

/** The play's rollout settings, from the playbook the run was started with (when still readable). */
export interface PlayLimits {
  max_fail_percentage: number;
  max_failed_hosts?: number;
  soak_ms: number;
  promote: 'auto' | 'manual';
  health: { unexpected_reboot: string; kfence_bugs: string; command?: string };
}

const FAILED = new Set(['failed', 'unreachable', 'reverted']);

export interface RunSummaryRow {
  run: string;
  play: string;
  command: string;
  started: string;
  host_count: number;
  verdict: string | null;
  phase: string;
}

export interface RunView extends RunSummaryRow {
  check: boolean;
  playbook: string;
  ended: string | null;
  reason: string | null;
  exit_code: number | null;
  waiting_promote: number | null;
  limits: PlayLimits | null;
  budget: { failed: number; max_failed_hosts: number | null };
  phases: Array<{ phase: number; hosts: string[]; state: string; failed: number; failed_percent: number; max_fail_percentage: number | null; soak: { ms: number; started: string | null; done: boolean } | null }>;
  hosts: Array<{ host: string; phase: number | null; state: string; rebooted: boolean; reboots: Array<{ stage: string; ts: string }>; error: string | null }>;
  findings: Array<{ host: string; phase: number; summary: string; ts: string }>;
  /** The timeline picture and its legend: markup built with every name escaped. */
  timeline_svg: string;
}

function phaseLabel(states: Map<number, string>, total: number, ended: boolean): string {
  if (ended) return 'ended';
  const running = [...states.entries()].sort((a, b) => b[0] - a[0])[0];
  return running ? `phase ${running[0] + 1}/${total || '?'}: ${running[1].replace('_', ' ')}` : 'probing';
}

export function runSummary(records: readonly Stamped[]): RunSummaryRow {
  const st = replay([...records]);
  const first = records[0]!;
  return { run: st.meta.run, play: st.meta.play, command: st.meta.command, started: first.ts, host_count: st.meta.hosts.length, verdict: st.end?.verdict ?? null, phase: phaseLabel(st.phaseStates, st.phases.length, st.end !== null) };
}

export function runView(records: readonly Stamped[], limits: PlayLimits | null, now = Date.now()): RunView {
  const st = replay([...records]);
  const base = runSummary(records);
  const endRec = records.find((r) => r.t === 'end');
  const phaseOf = new Map<string, number>();
  st.phases.forEach((hs, i) => hs.forEach((h) => phaseOf.set(h, i + 1)));
  const reboots = new Map<string, Array<{ stage: string; ts: string }>>();
  const soakStart = new Map<number, string>();
  for (const r of records) {
    if (r.t === 'reboot') reboots.set(r.host, [...(reboots.get(r.host) ?? []), { stage: r.stage, ts: r.ts }]);
    if (r.t === 'phase' && r.state === 'soak') soakStart.set(r.index, r.ts);
  }
  const hostState = (h: string) => st.hosts.get(h)?.state ?? 'waiting';
  const failedTotal = [...st.hosts.values()].filter((h) => FAILED.has(h.state)).length;
  const waiting = [...st.phaseStates.entries()].find(([, s]) => s === 'wait_promote');
  return {
    ...base,
    check: st.meta.check,
    playbook: st.meta.playbook.file,
    ended: endRec?.ts ?? null,
    reason: st.end?.reason ?? null,
    exit_code: st.end?.exit_code ?? null,
    waiting_promote: waiting && !st.end ? waiting[0] + 1 : null,
    limits,
    budget: { failed: failedTotal, max_failed_hosts: limits?.max_failed_hosts ?? null },
    phases: st.phases.map((hosts, i) => {
      const failed = hosts.filter((h) => FAILED.has(hostState(h))).length;
      const state = st.phaseStates.get(i) ?? 'pending';
      const soakOn = limits ? limits.soak_ms > 0 || limits.health.command !== undefined : soakStart.has(i);
      return {
        phase: i + 1,
        hosts,
        state,
        failed,
        failed_percent: hosts.length ? Math.round((failed / hosts.length) * 1000) / 10 : 0,
        max_fail_percentage: limits?.max_fail_percentage ?? null,
        soak: soakOn ? { ms: limits?.soak_ms ?? 0, started: soakStart.get(i) ?? null, done: ['done', 'wait_promote', 'promoted', 'halted'].includes(state) } : null,
      };
    }),
    hosts: st.meta.hosts.map((h) => {
      const s = st.hosts.get(h);
      return { host: h, phase: phaseOf.get(h) ?? null, state: hostState(h), rebooted: s?.rebooted ?? false, reboots: reboots.get(h) ?? [], error: s?.error ? `${s.error.code}: ${s.error.message}` : null };
    }),
    findings: records.filter((r): r is Extract<Stamped, { t: 'finding' }> => r.t === 'finding').map((r) => ({ host: r.host, phase: r.phase, summary: r.summary, ts: r.ts })),
    timeline_svg: renderTimelineSvg(timelineFromJournal(records, now)) + timelineLegend(),
  };
}
