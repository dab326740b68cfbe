// Admission of a saved plan (`kfleet apply plan.json`): a host's saved plan is applied only when
// it is exactly what the planner makes of the host's current facts (the planner is deterministic
// and the playbook is unchanged). The check runs wherever a host is about to be written: in the
// probe phase, when each later phase probes its hosts again, and on --resume. A host whose facts
// moved is refused PLAN_STALE (never re-planned), a plan edited by hand PLAN_MISMATCH.
import { isDeepStrictEqual } from 'node:util';
import type { HostPlan } from '../plan/types.js';

export function checkAgainstSaved(saved: HostPlan | undefined, fresh: HostPlan): HostPlan {
  if (!saved) return { ...fresh, refused: [{ code: 'NOT_IN_PLAN', message: 'this host is not in the saved plan', hint: 'run `kfleet plan --out` again to include it' }] };
  if (saved.fingerprint !== fresh.fingerprint) {
    return { ...saved, refused: [{ code: 'PLAN_STALE', message: 'the host changed since the plan was saved (its facts fingerprint moved); refusing to apply a stale plan', hint: 'run `kfleet plan --out` again and review it' }] };
  }
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
  if (!isDeepStrictEqual(plain(saved), plain(fresh))) {
    return { ...saved, refused: [{ code: 'PLAN_MISMATCH', message: 'the saved plan for this host is not what kfleet plans for its current facts (edited by hand, or made by another kfleet version); refusing it', hint: 'make the plan again with `kfleet plan --out`' }] };
  }
  return saved;
}

/** The engine's admission function for one play's saved plans (host -> plan). */
export function savedPlanAdmission(plans: Map<string, HostPlan>): (host: string, fresh: HostPlan) => HostPlan {
  return (host, fresh) => checkAgainstSaved(plans.get(host), fresh);
}
