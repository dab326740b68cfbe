// The plan's KFENCE memory estimate (pool + metadata) after convergence, and the budget check.

import type { HostFacts } from '../facts/types.js';
import type { MemoryBudget } from '../playbook/types.js';
import type { Capabilities } from '../kernel/capabilities.js';
import type { BootOutcome } from '../kernel/boot-outcome.js';
import type { KfenceState } from '../kernel/live.js';
import { bootOutcome } from '../kernel/boot-outcome.js';
import { kfenceArgs } from '../kernel/cmdline.js';
import { areaPool, smallPool, totalBytes, type PoolEstimate } from '../kernel/memory.js';

export function memBytes(f: HostFacts): number {
  return f.memory.total_kb * 1024;
}

/** Pool the host holds now (null when KFENCE is off and holds none). */
export function currentPool(f: HostFacts, caps: Capabilities, live: KfenceState): PoolEstimate | null {
  if (caps.flavor === 'upstream') {
    // Upstream never frees its pool: it exists once stats exist (or KFENCE runs).
    return f.kfence.stats !== null || (live.interval ?? 0) > 0 ? smallPool(caps.defaultNumObjects, caps.pageSize) : null;
  }
  if (!live.interval) return null;
  const booted = bootOutcome(kfenceArgs(f.cmdline), caps, memBytes(f));
  if (booted.pool && booted.interval !== 0 && live.numObjects === booted.numObjects) return booted.pool;
  return areaPool(live.numObjects ?? caps.defaultNumObjects, live.poolMode ?? 'global', caps.nodes, caps.pageSize, caps.pudSize);
}

export interface EstimateInput {
  finalInterval: number;
  enablePool: PoolEstimate | null;
  boot: BootOutcome | null;
  /** The next boot decides the pool (apply: boot, or a reboot is required). */
  bootDecides: boolean;
}

export function estimateMemory(f: HostFacts, caps: Capabilities, live: KfenceState, i: EstimateInput): number {
  const cur = currentPool(f, caps, live);
  let pool: PoolEstimate | null;
  if (caps.flavor === 'upstream') pool = i.finalInterval > 0 || cur ? cur ?? smallPool(caps.defaultNumObjects, caps.pageSize) : null;
  else if (i.finalInterval === 0) pool = null;
  else if (i.enablePool) pool = i.enablePool;
  else if (i.bootDecides && i.boot) pool = i.boot.pool;
  else pool = cur;
  return pool ? totalBytes(pool) : 0;
}

/** The budget in bytes, or null when the play sets none. */
export function budgetBytes(b: MemoryBudget | undefined, f: HostFacts): number | null {
  if (!b) return null;
  const limits: number[] = [];
  if (b.percent !== undefined) limits.push(Math.floor((memBytes(f) * b.percent) / 100));
  if (b.bytes !== undefined) limits.push(b.bytes);
  return limits.length ? Math.min(...limits) : null;
}
