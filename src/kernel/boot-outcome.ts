// What the kernel will show after booting with a given command line on this host: the boot-time
// half of the KFENCE rules (kfence-interface.md §1.2-§1.3, §3; arm64 early pool; booting_max).

import type { Capabilities } from './capabilities.js';
import { objectsPerArea } from './constants.js';
import { evaluateBootingMax } from './booting-max.js';
import { alinuxPool, smallPool, type PoolEstimate } from './memory.js';
import { kstrtobool, parseInterval, type KfenceState } from './live.js';

export interface BootOutcome extends KfenceState {
  /** Why KFENCE stays disabled although the command line asks for it, or null. */
  disabledReason: string | null;
  pool: PoolEstimate | null;
  /** booting_max capped num_objects (requested -> capped), for warnings. */
  capped: { from: number; to: number } | null;
}

/**
 * @param args last value of every kfence.* key on the command line that will boot
 * @param memBytes memory the kernel compares booting_max against (MemTotal here)
 */
export function bootOutcome(args: Record<string, string | null>, caps: Capabilities, memBytes: number): BootOutcome {
  const tok = (k: string): string | null | undefined => args[`kfence.${k}`];
  const siTok = parseInterval(tok('sample_interval'));
  if (caps.flavor !== 'alinux') {
    // Upstream: kstrtoul rejects negatives (the default stays); nothing else is on the command line.
    const si = siTok !== null && siTok >= 0 ? siTok : caps.defaultInterval;
    const enabled = si !== null && si > 0;
    return {
      interval: si, numObjects: null, poolMode: null, order0: null, fault: null,
      disabledReason: null, pool: enabled ? smallPool(caps.defaultNumObjects, caps.pageSize) : null, capped: null,
    };
  }
  const perArea = objectsPerArea(caps.pageSize, caps.pudSize);
  const si = siTok ?? caps.defaultInterval;
  let n = caps.defaultNumObjects;
  const nTok = parseInterval(tok('num_objects'));
  if (nTok !== null && nTok > 0) {
    // arm64: only the early param applies it, and only for a pool below 1 GiB.
    // (n + 1) * 2 * PAGE_SIZE < PUD_SIZE  <=>  n < objectsPerArea
    if (caps.arch !== 'arm64' || nTok < perArea) n = nTok;
  }
  const pmTok = tok('pool_mode');
  const poolMode: 'global' | 'node' = pmTok === 'node' ? 'node' : 'global';
  const order0 = kstrtobool(tok('order0_page')) ?? true;
  const fTok = tok('fault');
  const fault: KfenceState['fault'] = caps.fault ? (fTok === 'panic' ? 'panic' : 'report') : null;
  const base = { numObjects: n, poolMode, order0, fault, capped: null };
  if (si === null) return { ...base, interval: null, disabledReason: null, pool: null };
  if (si === 0) return { ...base, interval: 0, disabledReason: null, pool: null };
  if (n < perArea) {
    if (poolMode === 'node' || si < 0) {
      return { ...base, interval: 0, pool: null, disabledReason: `${si < 0 ? 'a negative sample_interval' : 'pool_mode=node'} needs num_objects >= ${perArea} at boot` };
    }
    const bm = tok('booting_max');
    if (bm !== undefined && bm !== null) {
      const e = evaluateBootingMax(bm, memBytes, caps.pageSize, caps.pudSize);
      if (e.kind === 'disabled') return { ...base, numObjects: 0, interval: 0, pool: null, disabledReason: e.reason };
      if (e.kind === 'cap' && n > e.maxObjects) {
        return { ...base, numObjects: e.maxObjects, interval: si, disabledReason: null, pool: smallPool(e.maxObjects, caps.pageSize), capped: { from: n, to: e.maxObjects } };
      }
    }
    return { ...base, interval: si, disabledReason: null, pool: smallPool(n, caps.pageSize) };
  }
  const pool = alinuxPool(n, si, poolMode, caps.nodes, caps.pageSize, true, caps.pudSize);
  return { ...base, numObjects: n, interval: si, disabledReason: null, pool };
}
