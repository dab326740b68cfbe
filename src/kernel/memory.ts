// KFENCE pool memory arithmetic (kfence-interface.md §3.3-§3.4, the guide's formulas).

import { GiB, METADATA_BYTES_PER_OBJECT, objectsPerArea, pudSize } from './constants.js';

export interface PoolEstimate {
  /** Objects the pool will hold (after the kernel's rounding). */
  objects: number;
  /** Pool bytes (guard pages included). */
  pool: number;
  /** Estimated metadata bytes (vzalloc'ed next to each area; an estimate). */
  metadata: number;
  /** Whole PUD-sized areas (1 GiB with 4 KiB pages; 0 for a small upstream-mode pool). */
  areas: number;
}

const roundUp = (n: number, m: number): number => Math.ceil(n / m) * m;

/** Upstream-mode pool: one area of (n + 1) * 2 pages. Alinux boot with n < 131071, or any upstream kernel. */
export function smallPool(numObjects: number, pageSize: number): PoolEstimate {
  return {
    objects: numObjects,
    pool: (numObjects + 1) * 2 * pageSize,
    metadata: numObjects * METADATA_BYTES_PER_OBJECT,
    areas: 0,
  };
}

/** Whole-area pool: ceil(n / 131071) areas of 1 GiB in total (global) or on every node (node). */
export function areaPool(numObjects: number, mode: 'global' | 'node', nodes: number, pageSize: number, pud = pudSize(pageSize)): PoolEstimate {
  const per = objectsPerArea(pageSize, pud);
  const areasPerSet = Math.max(1, Math.ceil(numObjects / per));
  const areas = mode === 'node' ? areasPerSet * nodes : areasPerSet;
  return {
    objects: areas * per,
    pool: areas * pud,
    metadata: areas * per * METADATA_BYTES_PER_OBJECT,
    areas,
  };
}

/** Does this configuration take the Anolis "upstream mode" (one small area) at boot? */
export function isUpstreamMode(numObjects: number, interval: number, mode: 'global' | 'node', pageSize: number, pud = pudSize(pageSize)): boolean {
  return numObjects < objectsPerArea(pageSize, pud) && interval > 0 && mode === 'global';
}

/**
 * Alinux pool for the given settings.
 * `atBoot`: the pool is created by a boot with these args (upstream mode possible);
 * otherwise by a runtime enable, which always allocates whole 1 GiB areas (§5.1).
 */
export function alinuxPool(numObjects: number, interval: number, mode: 'global' | 'node', nodes: number, pageSize: number, atBoot: boolean, pud = pudSize(pageSize)): PoolEstimate {
  if (atBoot && isUpstreamMode(numObjects, interval, mode, pageSize, pud)) return smallPool(numObjects, pageSize);
  return areaPool(numObjects, mode, nodes, pageSize, pud);
}

/** num_objects as the Alinux kernel rounds it on enable when whole areas are used. */
export function roundedObjects(numObjects: number, pageSize: number, pud = pudSize(pageSize)): number {
  return roundUp(Math.max(1, numObjects), objectsPerArea(pageSize, pud));
}

export function totalBytes(p: PoolEstimate): number {
  return p.pool + p.metadata;
}

export function formatBytes(n: number): string {
  const units: Array<[number, string]> = [[1024 * GiB, 'TiB'], [GiB, 'GiB'], [1024 * 1024, 'MiB'], [1024, 'KiB']];
  for (const [u, name] of units) {
    if (n >= u) {
      const v = n / u;
      return `${Number.isInteger(v) ? v : v.toFixed(1)} ${name}`;
    }
  }
  return `${n} B`;
}
