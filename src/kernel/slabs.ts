// Per-slab selection: merged caches (aliases are symlinks to one kmem_cache), the Alinux
// `kfence_enable` (1 = monitored) vs upstream `skip_kfence` (1 = skipped) polarity, and the
// guide's `num_objects` computation for the selected slabs.

import type { SlabFact } from '../facts/types.js';
import type { SlabSelection } from '../playbook/types.js';

export type Slabs = Record<string, SlabFact>;

/** The real cache a name refers to (itself, or the target of its alias symlink). */
export function realCache(slabs: Slabs, name: string): string {
  return slabs[name]?.alias_of ?? name;
}

/** Names that refer to the same real cache (aliases and the cache itself), sorted. */
export function namesOf(slabs: Slabs, real: string): string[] {
  return Object.keys(slabs)
    .filter((n) => n === real || slabs[n]?.alias_of === real)
    .sort();
}

/** Real (non-alias) caches, sorted. */
export function realCaches(slabs: Slabs): string[] {
  return Object.keys(slabs)
    .filter((n) => slabs[n]?.alias_of === undefined)
    .sort();
}

export function unknownSlabs(slabs: Slabs, sel: SlabSelection): string[] {
  return sel.names.filter((n) => !Object.hasOwn(slabs, n));
}

export interface ResolvedSelection {
  /** Real cache -> monitored. */
  monitored: Map<string, boolean>;
  /** Real caches the selection names explicitly, each with the first name the user gave for it. */
  named: Map<string, string>;
  /** Warnings about names that share a cache with others. */
  warnings: string[];
}

export function resolveSelection(slabs: Slabs, sel: SlabSelection): ResolvedSelection {
  const named = new Map<string, string>();
  const warnings: string[] = [];
  for (const n of sel.names) {
    if (!Object.hasOwn(slabs, n)) continue;
    const real = realCache(slabs, n);
    if (!named.has(real)) {
      named.set(real, n);
      const shared = namesOf(slabs, real).filter((x) => x !== n);
      if (shared.length > 0) {
        warnings.push(`slab ${n} is merged with ${shared.join(', ')}: they share one cache, so selecting ${n} ${sel.kind === 'except' ? 'excludes' : 'selects'} them too`);
      }
    }
  }
  const monitored = new Map<string, boolean>();
  for (const real of realCaches(slabs)) {
    monitored.set(real, sel.kind === 'all' ? true : sel.kind === 'only' ? named.has(real) : !named.has(real));
  }
  return { monitored, named, warnings };
}

/** Whether a cache is monitored now (null when the control file is absent or unreadable). */
export function liveMonitored(s: SlabFact | undefined): boolean | null {
  if (!s || s.control === null || s.value === null) return null;
  const v = s.value.trim();
  if (v !== '0' && v !== '1') return null;
  return s.control === 'kfence_enable' ? v === '1' : v === '0';
}

/** The value to write for a monitored state under a control's polarity. */
export function controlValue(control: 'kfence_enable' | 'skip_kfence', monitored: boolean): string {
  return control === 'kfence_enable' ? (monitored ? '1' : '0') : monitored ? '0' : '1';
}

/**
 * The guide's kfence.sh: for each slab, the largest per-node count of its `objects` line
 * ("1536 N0=768 N1=768" -> 768; no per-node entries -> 1, the script's starting value).
 */
export function perNodeMax(objectsLine: string | null): number {
  let max = 1;
  if (!objectsLine) return max;
  for (const tok of objectsLine.trim().split(/\s+/).slice(1)) {
    const m = /^N\d+=(\d+)$/.exec(tok);
    if (m?.[1]) max = Math.max(max, Number(m[1]));
  }
  return max;
}

/** `num_objects: auto`: the sum of perNodeMax over the selected caches (each real cache once). */
export function autoNumObjects(slabs: Slabs, sel: SlabSelection): number {
  const r = resolveSelection(slabs, sel);
  let sum = 0;
  for (const [real, on] of r.monitored) if (on) sum += perNodeMax(slabs[real]?.objects ?? null);
  return Math.max(1, sum);
}
