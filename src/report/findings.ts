// Per-host reports -> fleet findings, deduplicated by a signature that survives reboots, KASLR,
// pointer hashing and rebuilds: kind, access, the top N frames of the access stack without
// offsets (and without compiler clone suffixes such as `.isra.0`), and the faulting module.
// Output is deterministic: the same inputs in any host order give the same findings.

import { createHash } from 'node:crypto';
import type { Finding, FindingHost, HostReports, KfenceReport } from './types.js';

export const DEFAULT_SIGNATURE_FRAMES = 3;

export interface FindingsOptions {
  /** How many top access frames go into the signature (default 3). */
  frames?: number;
  /** Keep only reports at or after this wall-clock time (ISO); see filterSince. */
  since?: string;
}

/** `foo.isra.0` / `foo.constprop.3` / `foo.part.1` / `foo.cold` -> `foo`. */
export function normalizeSymbol(fn: string): string {
  return fn.replace(/(?:\.(?:isra|constprop|part|cold|llvm|lto_priv)(?:\.\d+)?)+$/, '');
}

/** The frames a report's signature is computed from. */
export function signatureFrames(r: KfenceReport, n = DEFAULT_SIGNATURE_FRAMES): string[] {
  const frames = r.access_stack.slice(0, Math.max(1, n)).map((f) => normalizeSymbol(f.fn));
  if (frames.length === 0 && r.function) frames.push(normalizeSymbol(r.function));
  return frames;
}

export function reportSignature(r: KfenceReport, n = DEFAULT_SIGNATURE_FRAMES): string {
  const key = [r.kind, r.access ?? '-', r.module ?? '-', ...signatureFrames(r, n)].join('\n');
  return createHash('sha256').update(key).digest('hex').slice(0, 16);
}

const KIND_WORDS: Record<KfenceReport['kind'], string> = {
  'out-of-bounds': 'out-of-bounds',
  'use-after-free': 'use-after-free',
  'memory-corruption': 'memory corruption',
  'invalid-access': 'invalid',
  'invalid-free': 'invalid free',
  unknown: 'unknown (truncated) report',
};

export function reportTitle(r: KfenceReport): string {
  const what = r.access ? `${KIND_WORDS[r.kind]} ${r.access}` : KIND_WORDS[r.kind];
  const fn = r.function ? normalizeSymbol(r.function) : '?';
  return `${what} in ${fn}${r.module ? ` [${r.module}]` : ''}`;
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

interface Acc {
  f: Finding;
  hosts: Map<string, FindingHost>;
  exampleAt: string | null;
}

/** Merge every host's reports into fleet findings, most hosts first, then most reports. */
export function buildFindings(input: readonly HostReports[], opts: FindingsOptions = {}): Finding[] {
  const n = opts.frames ?? DEFAULT_SIGNATURE_FRAMES;
  const byHost = [...input].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const acc = new Map<string, Acc>();
  for (const raw of byHost) {
    const hr = opts.since === undefined ? raw : filterSince(raw, opts.since);
    for (const r of hr.reports) {
      const sig = reportSignature(r, n);
      const at = reportTime(hr, r);
      const release = hr.release ?? r.cpu?.release ?? null;
      let a = acc.get(sig);
      if (!a) {
        a = {
          f: {
            signature: sig,
            kind: r.kind,
            access: r.access,
            title: reportTitle(r),
            function: r.function === null ? null : normalizeSymbol(r.function),
            module: r.module,
            frames: signatureFrames(r, n),
            hosts: [],
            count: 0,
            releases: [],
            first_seen: null,
            last_seen: null,
            example: r.text,
            example_report: r,
          },
          hosts: new Map(),
          exampleAt: at,
        };
        acc.set(sig, a);
      } else if (betterExample(r, at, a)) {
        a.f.example = r.text;
        a.f.example_report = r;
        a.exampleAt = at;
      }
      let h = a.hosts.get(hr.host);
      if (!h) {
        h = { host: hr.host, count: 0, first_seen: null, last_seen: null, release };
        a.hosts.set(hr.host, h);
      }
      h.count++;
      h.first_seen = minIso(h.first_seen, at);
      h.last_seen = maxIso(h.last_seen, at);
      if (h.release === null) h.release = release;
      a.f.count++;
    }
  }
  const out: Finding[] = [];
  for (const a of acc.values()) {
    const f = a.f;
    f.hosts = [...a.hosts.values()].sort((x, y) => (x.host < y.host ? -1 : x.host > y.host ? 1 : 0));
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

/** A complete report beats a truncated one; then the earlier one (hosts are visited in name order). */
function betterExample(r: KfenceReport, at: string | null, a: Acc): boolean {
  const cur = a.f.example_report;
  if (cur.truncated !== r.truncated) return cur.truncated;
  if (at !== null && a.exampleAt !== null) return at < a.exampleAt;
  return false;
}
