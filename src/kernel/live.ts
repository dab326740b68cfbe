// The live KFENCE state read from facts (sysfs values), and the comparison rules that tolerate
// the kernel's own rewriting (num_objects rounded up on enable).

import type { HostFacts } from '../facts/types.js';
import { objectsPerArea } from './constants.js';
import { roundedObjects } from './memory.js';

export interface KfenceState {
  /** sample_interval as read (0 = disabled); null when unreadable or absent. */
  interval: number | null;
  numObjects: number | null;
  poolMode: 'global' | 'node' | null;
  order0: boolean | null;
  fault: 'report' | 'panic' | null;
}

function int(v: string | null | undefined): number | null {
  if (v === null || v === undefined || !/^-?\d+$/.test(v.trim())) return null;
  return Number(v.trim());
}

/** kstrtobool: 1/y/Y/on -> true, 0/n/N/off -> false. */
export function kstrtobool(v: string | null | undefined): boolean | null {
  if (v === null || v === undefined) return null;
  const s = v.trim().toLowerCase();
  if (s === '1' || s === 'y' || s === 'on' || s === 'yes') return true;
  if (s === '0' || s === 'n' || s === 'off' || s === 'no') return false;
  return null;
}

export function liveState(f: HostFacts): KfenceState {
  const p = f.kfence.params;
  const pm = p.pool_mode?.value?.trim();
  const fault = p.fault?.value?.trim();
  return {
    interval: int(p.sample_interval?.value),
    numObjects: int(p.num_objects?.value),
    poolMode: pm === 'global' || pm === 'node' ? pm : null,
    order0: kstrtobool(p.order0_page?.value),
    fault: fault === 'report' || fault === 'panic' ? fault : null,
  };
}

export function parseInterval(v: string | null | undefined): number | null {
  return int(v);
}

/**
 * Does a live num_objects satisfy the wanted one? The kernel may show the value as written
 * (A510) or rewritten to the allocated total (A66), i.e. rounded up to whole areas, which happens
 * for values >= 131071 and for every pool in whole areas (`wholeAreas`: node mode, full mode).
 */
export function numObjectsMatch(live: number | null, want: number, pageSize: number, nodes: number, wholeAreas = false, pud?: number): boolean {
  if (live === null) return false;
  if (live === want) return true;
  if (want < objectsPerArea(pageSize, pud) && !wholeAreas) return false;
  const r = roundedObjects(want, pageSize, pud);
  return live === r || live === r * nodes;
}
