// Why a saved plan is not what the planner makes of the host's current facts, although the facts
// fingerprint is the same. One honest cause is not a hand edit: `num_objects: auto` is sized from
// the slabs' object counts, which move all the time and are not part of the fingerprint.
import type { HostPlan } from './types.js';

function numObjectsOf(p: HostPlan): string | null {
  for (const s of p.runtime) if (s.op === 'write' && s.path.endsWith('/kfence/parameters/num_objects')) return s.value;
  return p.desired_args['kfence.num_objects'] ?? null;
}

/** The first differing field, as a dotted path with both values. */
function firstDifference(a: unknown, b: unknown, path = ''): string | null {
  if (JSON.stringify(a) === JSON.stringify(b)) return null;
  if (a && b && typeof a === 'object' && typeof b === 'object') {
    const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])];
    for (const k of keys) {
      const d = firstDifference((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], path ? `${path}.${k}` : k);
      if (d) return d;
    }
  }
  const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v).slice(0, 80));
  return `${path || 'the plan'}: saved ${show(a)}, now ${show(b)}`;
}

export function savedPlanMismatch(saved: HostPlan, fresh: HostPlan): { code: 'PLAN_MISMATCH'; message: string; hint: string } {
  const was = numObjectsOf(saved);
  const now = numObjectsOf(fresh);
  if (was !== now && was !== null && now !== null) {
    return {
      code: 'PLAN_MISMATCH',
      message: `num_objects moved from ${was} (saved) to ${now}: with num_objects: auto the pool is sized from the selected slabs' object counts, which changed since the plan was saved; refusing the saved plan`,
      hint: 'save the plan again right before applying it (`kfleet plan --out`), or set num_objects to a number so that a saved plan stays reproducible',
    };
  }
  return {
    code: 'PLAN_MISMATCH',
    message: `the saved plan for this host is not what kfleet plans for its current facts (${firstDifference(saved, fresh) ?? 'a field differs'}): the file was edited, or made by another kfleet version; refusing it`,
    hint: 'make the plan again with `kfleet plan --out`',
  };
}
