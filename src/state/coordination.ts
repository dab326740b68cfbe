// Several controllers on one run (etcd only): each joins the run with its own lease; hosts are
// claimed one by one through keys bound to that lease (a dead controller's claims return with its
// lease); reboot.max_parallel is a fleet-wide semaphore of lease-bound slot keys; the journal is
// shared (appends take the next free seq) and fenced by the controller's membership key.
import { EXIT, KfleetError } from '../errors.js';
import { EtcdStore } from './etcd-store.js';
import { registerHeld, stateStore } from './open.js';
import type { HeldLock } from './store.js';

export class RunMember {
  private constructor(
    private readonly state: string,
    private readonly store: EtcdStore,
    readonly run: string,
    readonly lease: HeldLock,
  ) {}

  static join(state: string, run: string, ttlMs: number): RunMember {
    const store = stateStore(state);
    if (!(store instanceof EtcdStore)) {
      throw new KfleetError('STATE_NOT_SHARED', 'several controllers on one run need a shared state store', { exitCode: EXIT.INPUT, hint: 'pass --state etcd://host:2379/prefix (see the README: "The etcd state store")' });
    }
    const lease = store.joinRun(run, ttlMs);
    registerHeld(state, lease); // journals this process opens on the store are fenced by the membership
    return new RunMember(state, store, run, lease);
  }

  /** Claim `host` (in `phase`) for this controller; false when another live controller has it. */
  claim(host: string, phase: number): boolean {
    this.lease.assertHeld();
    return this.store.claimHost(this.run, host, phase);
  }

  release(host: string): void {
    this.store.releaseClaim(this.run, host);
  }

  /** A reboot slot out of `max` fleet-wide, or null when `max` reboots are in flight already. */
  rebootSlot(max: number): number | null {
    this.lease.assertHeld();
    const i = this.store.semaphoreAcquire(`reboot/${this.run}`, max);
    return i < 0 ? null : i;
  }

  releaseRebootSlot(slot: number): void {
    this.store.semaphoreRelease(`reboot/${this.run}`, slot);
  }

  rebootsInFlight(): number {
    return this.store.semaphoreHolders(`reboot/${this.run}`);
  }

  leave(): void {
    registerHeld(this.state, null);
    this.lease.release();
  }
}
