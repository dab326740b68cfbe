// Several controllers on one run (etcd only): each joins the run with its own lease; hosts are
// claimed one by one through keys bound to that lease (a dead controller's claims return with its
// lease); reboot.max_parallel is a fleet-wide semaphore of lease-bound slot keys; the journal is
// shared (appends take the next free seq) and fenced by the controller's membership key.
import { EXIT, KfleetError } from '../errors.js';
import { EtcdStore } from './etcd-store.js';
import { heldLock, registerHeld, stateStore } from './open.js';
import type { HeldLock } from './store.js';

export class RunMember {
  private constructor(
    private readonly state: string,
    private readonly store: EtcdStore,
    readonly run: string,
    readonly lease: HeldLock,
    /** The run's leader (the `apply` holding the fleet lock) decides phases, soak and gates. */
    readonly leader: boolean,
  ) {}

  /**
   * The controller holding the fleet lock of `run` on an etcd store takes part with the lock's own
   * lease (claims and slots are bound to it); null on a state directory (one controller only).
   */
  static lead(state: string, run: string): RunMember | null {
    const store = stateStore(state);
    const lock = heldLock(state);
    if (!(store instanceof EtcdStore) || !lock || lock.owner.run !== run) return null;
    return new RunMember(state, store, run, lock, true);
  }

  static join(state: string, run: string, ttlMs: number): RunMember {
    const store = stateStore(state);
    if (!(store instanceof EtcdStore)) {
      throw new KfleetError('STATE_NOT_SHARED', 'several controllers on one run need a shared state store', { exitCode: EXIT.INPUT, hint: 'pass --state etcd://host:2379/prefix (see the README: "The etcd state store")' });
    }
    const lease = store.joinRun(run, ttlMs);
    registerHeld(state, lease); // journals this process opens on the store are fenced by the membership
    return new RunMember(state, store, run, lease, false);
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

  /** Hosts of the run claimed by any live controller (this one included). */
  claimedHosts(): string[] {
    return this.store.claimedHosts(this.run);
  }

  rebootsInFlight(): number {
    return this.store.semaphoreHolders(`reboot/${this.run}`);
  }

  /** A worker leaves (its claims and slots go with its lease); the leader's lock is released by its run. */
  leave(): void {
    if (this.leader) return;
    registerHeld(this.state, null);
    this.lease.release();
  }
}
