// Exposure accounting: how much sampling a fleet has done, so "no findings" can be told from "no
// coverage". Each `kfleet report` read leaves one observation per host (time, boot, KFENCE mode,
// guarded allocations since boot); exposure is summed between consecutive observations of the same
// boot while KFENCE was on at both, and from boot to the first observation when the booted
// command line turned KFENCE on. Guarded allocations are the `stats` counter's deltas (where
// readable). Pure: tested with builders.

import type { Finding } from './types.js';

export type KfenceMode = 'off' | 'sampling' | 'full';

export interface Observation {
  /** Wall-clock ISO time of the read. */
  at: string;
  boot_id: string;
  uptime_s: number | null;
  /** From sample_interval: > 0 sampling, < 0 full (Alinux), 0 off; null when unreadable. */
  mode: KfenceMode | null;
  /** KFENCE was on from boot (the booted command line set a non-zero sample_interval). */
  cmdline_on: boolean;
  /** Guarded allocations since boot (stats), null when unreadable. */
  allocations: number | null;
}

export const modeOf = (interval: number | null): KfenceMode | null => (interval === null ? null : interval > 0 ? 'sampling' : interval < 0 ? 'full' : 'off');

export interface Exposure {
  hosts: number;
  /** Host-hours with KFENCE on, per mode. */
  host_hours: { sampling: number; full: number; total: number };
  /** Guarded allocations counted from stats deltas (a lower bound where stats were unreadable). */
  guarded_allocations: number;
  reports: number;
  unique_titles: number;
  /** Reports per 1,000 host-days of KFENCE exposure; null without exposure. */
  reports_per_1000_host_days: number | null;
  /** Bugs (findings) seen once, 2-10 times, and more often. */
  histogram: { once: number; '2-10': number; more: number };
}

interface HostExposure {
  sampling_s: number;
  full_s: number;
  allocations: number;
}

/** One host's exposure from its observations (any order), counted from `since` (ISO) on. */
export function hostExposure(obs: readonly Observation[], since?: string): HostExposure {
  const from = since === undefined ? -Infinity : Date.parse(since);
  const sorted = [...obs].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const out: HostExposure = { sampling_s: 0, full_s: 0, allocations: 0 };
  const add = (mode: KfenceMode, startMs: number, endMs: number, allocs: number | null): void => {
    const s = Math.max(startMs, from);
    if (endMs <= s) return;
    const share = (endMs - s) / (endMs - startMs);
    if (mode === 'sampling') out.sampling_s += (endMs - s) / 1000;
    else if (mode === 'full') out.full_s += (endMs - s) / 1000;
    if (allocs !== null && allocs > 0) out.allocations += Math.round(allocs * share);
  };
  sorted.forEach((o, i) => {
    const t = Date.parse(o.at);
    const prev = i > 0 ? sorted[i - 1]! : null;
    if (prev && prev.boot_id === o.boot_id) {
      if (o.mode && o.mode !== 'off' && prev.mode === o.mode) {
        const d = o.allocations !== null && prev.allocations !== null ? o.allocations - prev.allocations : null;
        add(o.mode, Date.parse(prev.at), t, d);
      }
    } else if (o.cmdline_on && o.mode && o.mode !== 'off' && o.uptime_s !== null) {
      add(o.mode, t - o.uptime_s * 1000, t, o.allocations);
    }
  });
  return out;
}

export interface CohortInput {
  /** Host name -> its observations. */
  observations: ReadonlyMap<string, readonly Observation[]>;
  findings: readonly Finding[];
  since?: string;
}

/** Exposure of the hosts in `hosts` (all when omitted), with the findings' reports on those hosts. */
export function exposure(input: CohortInput, hosts?: ReadonlySet<string>): Exposure {
  const names = [...input.observations.keys()].filter((h) => !hosts || hosts.has(h));
  let sampling = 0;
  let full = 0;
  let allocations = 0;
  for (const h of names) {
    const e = hostExposure(input.observations.get(h) ?? [], input.since);
    sampling += e.sampling_s;
    full += e.full_s;
    allocations += e.allocations;
  }
  const histogram = { once: 0, '2-10': 0, more: 0 };
  let reports = 0;
  let unique = 0;
  for (const f of input.findings) {
    const n = f.hosts.filter((x) => !hosts || hosts.has(x.host)).reduce((k, x) => k + x.count, 0);
    if (n === 0) continue;
    reports += n;
    unique++;
    if (n === 1) histogram.once++;
    else if (n <= 10) histogram['2-10']++;
    else histogram.more++;
  }
  const hours = (sampling + full) / 3600;
  const round = (v: number): number => Math.round(v * 1000) / 1000;
  return {
    hosts: names.length,
    host_hours: { sampling: round(sampling / 3600), full: round(full / 3600), total: round(hours) },
    guarded_allocations: allocations,
    reports,
    unique_titles: unique,
    reports_per_1000_host_days: hours > 0 ? round((reports / (hours / 24)) * 1000) : null,
    histogram,
  };
}

export interface ExposureReport {
  fleet: Exposure;
  by_release: Record<string, Exposure>;
  by_group: Record<string, Exposure>;
}

/** Fleet-wide and per cohort: kernel release (host -> release) and inventory group (group -> hosts). */
export function exposureReport(input: CohortInput, releases: ReadonlyMap<string, string>, groups: Readonly<Record<string, readonly string[]>>): ExposureReport {
  const byRelease = new Map<string, Set<string>>();
  for (const [h, r] of releases) {
    const s = byRelease.get(r) ?? new Set<string>();
    s.add(h);
    byRelease.set(r, s);
  }
  const sortedKeys = <T>(m: Iterable<[string, T]>): [string, T][] => [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1));
  return {
    fleet: exposure(input),
    by_release: Object.fromEntries(sortedKeys(byRelease).map(([r, hs]) => [r, exposure(input, hs)])),
    by_group: Object.fromEntries(sortedKeys(Object.entries(groups)).map(([g, hs]) => [g, exposure(input, new Set(hs))])),
  };
}
