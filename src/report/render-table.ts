// Findings as a plain terminal table (no colour: the CLI may add it). Report text comes from
// kernel logs and may carry terminal escape sequences; every cell is made printable first.

import { compareFindings } from './findings.js';
import type { Finding } from './types.js';

export interface TableOptions {
  /** Cap for the location column (default 72). */
  maxTitle?: number;
}

/** Replace control characters (ESC, CR, BEL, C1, ...) with `?` so a log line cannot drive the terminal. */
export function printable(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, '?');
}

function clip(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, Math.max(1, n - 1))}…`;
}

/** `2026-11-25T10:02:11.000Z` -> `2026-11-25 10:02`; null -> `-`. */
export function shortTime(iso: string | null): string {
  if (iso === null) return '-';
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(iso);
  return m ? `${m[1]} ${m[2]}` : iso;
}

export function renderFindingsTable(findings: readonly Finding[], opts: TableOptions = {}): string {
  if (findings.length === 0) return 'No KFENCE findings.\n';
  const maxTitle = opts.maxTitle ?? 72;
  const head = ['HOSTS', 'REPORTS', 'KIND', 'LOCATION', 'RELEASES', 'FIRST SEEN', 'LAST SEEN', 'SIGNATURE'];
  const rows = [...findings].sort(compareFindings).map((f) => [
    String(f.hosts.length),
    String(f.count),
    f.access ? `${f.kind} ${f.access}` : f.kind,
    clip(printable(`${f.function ?? '?'}${f.module ? ` [${f.module}]` : ''}`), maxTitle),
    clip(printable(f.releases.join(',') || '-'), 40),
    shortTime(f.first_seen),
    shortTime(f.last_seen),
    f.signature,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const numeric = new Set([0, 1]);
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (numeric.has(i) ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const hosts = new Set(findings.flatMap((f) => f.hosts.map((h) => h.host)));
  const total = findings.reduce((n, f) => n + f.count, 0);
  const summary = `${findings.length} finding${findings.length === 1 ? '' : 's'}, ${total} report${total === 1 ? '' : 's'} on ${hosts.size} host${hosts.size === 1 ? '' : 's'}`;
  return [line(head), ...rows.map(line), '', summary, ''].join('\n');
}

/** Per-host lines under a finding, for a `--verbose` view: `  web-01  3 reports  5.10.134-17.al8  last 2026-11-25 10:02`. */
export function renderFindingHosts(f: Finding): string {
  const w = Math.max(...f.hosts.map((h) => printable(h.host).length));
  return f.hosts
    .map((h) => `  ${printable(h.host).padEnd(w)}  ${String(h.count).padStart(4)} report${h.count === 1 ? ' ' : 's'}  ${printable(h.release ?? '-')}  last ${shortTime(h.last_seen)}`)
    .join('\n');
}
