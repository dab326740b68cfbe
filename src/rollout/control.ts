// Out-of-band control of a running rollout: `kfleet promote RUN` and `kfleet abort RUN` leave
// requests in the state store (marker files, or keys in etcd); the engine polls for them. A
// controller that lost the fleet lock sees its run as aborted: it starts nothing more.
import { heldLock, stateStore } from '../state/open.js';

export function requestAbort(stateDir: string, run: string, reason = 'aborted by the user'): void {
  stateStore(stateDir).requestAbort(run, reason);
}

export function requestPromote(stateDir: string, run: string, phase: number | 'next'): void {
  stateStore(stateDir).requestPromote(run, phase);
}

/** True when someone asked to abort `run`, or when this process held its lock and lost it. */
export function abortRequested(stateDir: string, run: string): boolean {
  const lock = heldLock(stateDir);
  if (lock && lock.owner.run === run && !lock.stillHeld()) return true;
  return stateStore(stateDir).abortRequested(run);
}

/** True once promotion of `phase` (1-based) was asked; a `promote-next` request is used up. */
export function consumePromote(stateDir: string, run: string, phase: number): boolean {
  return stateStore(stateDir).consumePromote(run, phase);
}
