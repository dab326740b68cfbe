// Per-host reports -> fleet findings, deduplicated by syzkaller's rule: reports whose titles or
// alternative titles intersect are one bug (syz-title.ts gives the titles syzbot gives), refined by
// kernel release when asked. A finding's signature is a hash of its title (and release), so the
// soak gate's host.finding events and `kfleet report` name a bug the same way.
// Output is deterministic: the same inputs in any host order give the same findings.

import { createHash } from 'node:crypto';
import type { Finding, FindingHost, HostReports, KfenceReport } from './types.js';

export const DEFAULT_SIGNATURE_FRAMES = 3;

export interface FindingsOptions {
  /** How many top access frames a finding lists in `frames` (default 3). */
  frames?: number;
  /** Keep only reports at or after this wall-clock time (ISO); see filterSince. */
  since?: string;
  /** One bug per kernel release: the same title on two releases is two findings. */
  byRelease?: boolean;
}

/** `foo.isra.0` / `foo.constprop.3` / `foo.part.1` / `foo.cold` -> `foo`. */
export function normalizeSymbol(fn: string): string {
  return fn.replace(/(?:\.(?:isra|constprop|part|cold|llvm|lto_priv)(?:\.\d+)?)+$/, '');
}

/** The top access frames of a report, for display (offsets and clone suffixes stripped). */
export function signatureFrames(r: KfenceReport, n = DEFAULT_SIGNATURE_FRAMES): string[] {
  const frames = r.access_stack.slice(0, Math.max(1, n)).map((f) => normalizeSymbol(f.fn));
  if (frames.length === 0 && r.function) frames.push(normalizeSymbol(r.function));
  return frames;
}

/** THE finding signature: 16 hex digits of the title (and the release when findings are per release). */
export function titleSignature(title: string, release: string | null = null): string {
  return createHash('sha256').update(release === null ? title : `${title}\n${release}`).digest('hex').slice(0, 16);
}

/** A report's signature: that of its syzkaller title. */
export function reportSignature(r: KfenceReport): string {
  return titleSignature(r.title);
}

/** A report's title (syzkaller's). */
export function reportTitle(r: KfenceReport): string {
  return r.title;
}

/** Wall-clock ISO time of a report, when the host's boot time and the report's stamp are known. */
export function reportTime(hr: HostReports, r: KfenceReport): string | null {
  if (hr.boot_time === undefined || r.timestamp_s === null) return null;
  const boot = Date.parse(hr.boot_time);
  if (Number.isNaN(boot)) return null;
  return new Date(boot + Math.round(r.timestamp_s * 1000)).toISOString();
}

/**
 * Keep the reports at or after `since` (ISO). A report whose time cannot be placed (no boot time
 * or no timestamp) is kept: dropping a real bug is worse than showing an old one.
 */
export function filterSince(hr: HostReports, since: string): HostReports {
  const t = Date.parse(since);
  if (Number.isNaN(t)) return hr;
  return {
    ...hr,
    reports: hr.reports.filter((r) => {
      const at = reportTime(hr, r);
      return at === null || Date.parse(at) >= t;
    }),
  };
}

const minIso = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a < b ? a : b);
const maxIso = (a: string | null, b: string | null): string | null => (a === null ? b : b === null ? a : a > b ? a : b);

interface Item {
  hr: HostReports;
  r: KfenceReport;
  at: string | null;
  release: string | null;
}

/** Union-find over reports: two reports sharing a title or an alternative title are one bug. */
function groupByTitles(items: readonly Item[], byRelease: boolean): Item[][] {
  const parent = items.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const owner = new Map<string, number>();
  items.forEach((it, i) => {
    for (const t of [it.r.title, ...it.r.alt_titles]) {
      const key = byRelease ? `${it.release ?? ''}\n${t}` : t;
      const o = owner.get(key);
      if (o === undefined) owner.set(key, i);
      else parent[find(i)] = find(o);
    }
  });
  const groups = new Map<number, Item[]>();
  items.forEach((it, i) => {
    const g = find(i);
    const list = groups.get(g);
    if (list) list.push(it);
    else groups.set(g, [it]);
  });
  return [...groups.values()];
}

/** The group's title: its most frequent report title, the smallest on a tie (order-free). */
function groupTitle(items: readonly Item[]): string {
  const n = new Map<string, number>();
  for (const it of items) n.set(it.r.title, (n.get(it.r.title) ?? 0) + 1);
  return [...n].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))[0]![0];
}

/** Merge every host's reports into fleet findings, most hosts first, then most reports. */
export function buildFindings(input: readonly HostReports[], opts: FindingsOptions = {}): Finding[] {
  const n = opts.frames ?? DEFAULT_SIGNATURE_FRAMES;
  const byHost = [...input].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const items: Item[] = [];
  for (const raw of byHost) {
    const hr = opts.since === undefined ? raw : filterSince(raw, opts.since);
    for (const r of hr.reports) items.push({ hr, r, at: reportTime(hr, r), release: hr.release ?? r.cpu?.release ?? null });
  }
  const out: Finding[] = [];
  for (const group of groupByTitles(items, opts.byRelease === true)) {
    const title = groupTitle(group);
    const first = group.find((it) => it.r.title === title)!;
    let example = first;
    for (const it of group) if (betterExample(it, example)) example = it;
    const hosts = new Map<string, FindingHost>();
    let corrupted = 0;
    for (const it of group) {
      let h = hosts.get(it.hr.host);
      if (!h) {
        h = { host: it.hr.host, count: 0, first_seen: null, last_seen: null, release: it.release };
        hosts.set(it.hr.host, h);
      }
      h.count++;
      h.first_seen = minIso(h.first_seen, it.at);
      h.last_seen = maxIso(h.last_seen, it.at);
      if (h.release === null) h.release = it.release;
      if (it.r.corrupted_reason !== null) corrupted++;
    }
    const r = example.r;
    const f: Finding = {
      signature: titleSignature(title, opts.byRelease ? first.release : null),
      kind: first.r.kind,
      access: first.r.access,
      title,
      titles: [...new Set(group.map((it) => it.r.title))].sort(),
      alt_titles: [...new Set(group.flatMap((it) => it.r.alt_titles))].sort(),
      function: first.r.function === null ? null : normalizeSymbol(first.r.function),
      module: first.r.module,
      frames: signatureFrames(first.r, n),
      hosts: [...hosts.values()].sort((x, y) => (x.host < y.host ? -1 : x.host > y.host ? 1 : 0)),
      count: group.length,
      corrupted,
      releases: [],
      first_seen: null,
      last_seen: null,
      example: r.text,
      example_report: r,
    };
    f.releases = [...new Set(f.hosts.map((h) => h.release).filter((x): x is string => x !== null))].sort();
    for (const h of f.hosts) {
      f.first_seen = minIso(f.first_seen, h.first_seen);
      f.last_seen = maxIso(f.last_seen, h.last_seen);
    }
    out.push(f);
  }
  return out.sort(compareFindings);
}

/** Most hosts affected first, then most reports, then signature (a total order). */
export function compareFindings(a: Finding, b: Finding): number {
  if (a.hosts.length !== b.hosts.length) return b.hosts.length - a.hosts.length;
  if (a.count !== b.count) return b.count - a.count;
  return a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0;
}

/** A complete report beats a truncated one, a trusted one a corrupted one; then the earlier one, then host order. */
function betterExample(it: Item, cur: Item): boolean {
  if (cur.r.truncated !== it.r.truncated) return cur.r.truncated;
  const c = cur.r.corrupted_reason !== null;
  if (c !== (it.r.corrupted_reason !== null)) return c;
  if (it.at !== null && cur.at !== null && it.at !== cur.at) return it.at < cur.at;
  return false;
}
