// /sys/kernel/debug/kfence/stats -> StatsFact (src/facts/types.ts).
//
// Upstream: `enabled: %i` then `%s: %ld` per counter. Anolis: `enabled: %i`, then
// `%-30s:%20lld` (A510) or `%-35s:...` (A66) per counter, a blank line and a
// `node\tobject_size\tpool_size` table (`%-8d%-16lu` + `%lu B|KB|MB|GB`); only `enabled: 0` when
// KFENCE was never enabled since boot. Lines are split on the first `:` and trimmed, so the
// padding width does not matter. Never throws.

import type { StatsFact } from '../facts/types.js';

/** One row of the Anolis per-node table. `object_size` is really the object count (§4.1). */
export interface PoolNodeRow {
  node: number;
  objects: number;
  /** Pool size as printed, e.g. `2 MB` (truncated by the kernel to the unit). */
  pool_size: string;
  /** Lower bound in bytes of the printed size (the kernel truncates, it does not round). */
  pool_bytes: number;
}

export interface StatsDetail {
  stats: StatsFact;
  nodes: PoolNodeRow[];
}

const UNIT: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3 };
const COUNTER = /^([^:]{1,80}):\s*(-?\d{1,20})\s*$/;
const NODE_ROW = /^(\d{1,5})\s+(\d{1,20})\s+(\d{1,20}) ?(B|KB|MB|GB)\s*$/;

/** Parse `stats` into the StatsFact shape the facts collector stores. */
export function parseKfenceStats(text: string): StatsFact {
  return parseKfenceStatsDetail(text).stats;
}

/** Parse `stats`, also returning the Anolis per-node pool table. */
export function parseKfenceStatsDetail(text: string): StatsDetail {
  const counters: Record<string, number> = {};
  const nodes: PoolNodeRow[] = [];
  let enabled: boolean | null = null;
  let padded = false;
  let table = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    if (/^node\tobject_size\tpool_size\s*$/.test(line) || /^node\s+object_size\s+pool_size\s*$/.test(line)) {
      table = true;
      continue;
    }
    const row = NODE_ROW.exec(line);
    if (table && row) {
      const n = Number(row[3]);
      const unit = row[4] ?? 'B';
      nodes.push({ node: Number(row[1]), objects: Number(row[2]), pool_size: `${n} ${unit}`, pool_bytes: n * (UNIT[unit] ?? 1) });
      continue;
    }
    const m = COUNTER.exec(line);
    if (!m) continue;
    const name = (m[1] ?? '').trim();
    const value = Number(m[2]);
    if (!Number.isSafeInteger(value)) continue;
    if (name === 'enabled') {
      enabled = value !== 0;
      continue;
    }
    if (/ {2,}:|: {2,}/.test(line)) padded = true;
    counters[name] = value;
  }
  const anolis = padded || table || Object.keys(counters).some((k) => k.includes('slab') || k.includes('page'));
  const format: StatsFact['format'] = Object.keys(counters).length === 0 ? 'empty' : anolis ? 'anolis' : 'upstream';
  return { stats: { enabled, counters, format }, nodes };
}

/** `total bugs` from a StatsFact, null when the counter is absent (never enabled). */
export function totalBugs(stats: StatsFact | null): number | null {
  const v = stats?.counters['total bugs'];
  return v === undefined ? null : v;
}

/** Guarded allocations since boot: `total allocations` (upstream) or slab + page allocations (Anolis); null when absent. */
export function guardedAllocations(stats: StatsFact | null): number | null {
  const c = stats?.counters;
  if (!c) return null;
  if (c['total allocations'] !== undefined) return c['total allocations'];
  const slab = c['total slab allocations'];
  const page = c['total page allocations'];
  return slab === undefined && page === undefined ? null : (slab ?? 0) + (page ?? 0);
}
