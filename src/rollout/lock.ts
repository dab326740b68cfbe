// The fleet lock: one run at a time per state store (one per inventory, or one per team on etcd).
// The lock names its owner (run, pid, machine, user, since). In a state directory it is a file with
// a TTL the owner keeps extending by compare-and-swap (src/state/file-lock.ts); a lock whose TTL
// passed, or whose owner process is gone from this machine, is stale and is taken over only when
// the user asks (--take-over-lock). On etcd it is a key bound to the owner's lease (the lease's TTL
// decides; src/state/etcd-store.ts). Journals written while the lock is held are fenced by it.
import { fileLockStale, lockFile } from '../state/file-lock.js';
import { isEtcdState } from '../state/location.js';
import { registerHeld, heldLock, stateStore } from '../state/open.js';
import type { HeldLock, LockOwner } from '../state/store.js';

export type { LockOwner } from '../state/store.js';

/** Where the lock lives, for messages: lock.json in a directory, the lock key on etcd. */
export function lockPath(stateDir: string): string {
  return isEtcdState(stateDir) ? stateStore(stateDir).lockWhere() : lockFile(stateDir);
}

export function isStale(o: LockOwner, now = Date.now()): boolean {
  if (o.epoch !== undefined) return false; // an etcd lock exists only while its lease lives
  return fileLockStale(o, now);
}

export function readLock(stateDir: string): LockOwner | null {
  return stateStore(stateDir).readLock();
}

/** Lease/TTL length: KFLEET_LOCK_TTL seconds, else 120 s for a directory and 30 s on etcd. */
export function defaultLockTtlMs(stateDir: string): number {
  const s = Number(process.env.KFLEET_LOCK_TTL);
  if (Number.isFinite(s) && s > 0) return s * 1000;
  return isEtcdState(stateDir) ? 30_000 : 120_000;
}

export class FleetLock {
  private constructor(
    private readonly stateDir: string,
    private readonly held: HeldLock,
  ) {}

  /**
   * Take the fleet lock for `run`, or fail with LOCKED naming the owner. On etcd, when the owner is
   * this same run (a resume while the dead controller's lease still lives), wait up to one TTL.
   */
  static acquire(stateDir: string, run: string, opts: { ttlMs?: number; takeOver?: boolean } = {}): FleetLock {
    const held = stateStore(stateDir).acquireLock(run, { ttlMs: opts.ttlMs ?? defaultLockTtlMs(stateDir), takeOver: opts.takeOver ?? false, waitForRun: run });
    registerHeld(stateDir, held);
    return new FleetLock(stateDir, held);
  }

  get owner(): LockOwner {
    return this.held.owner;
  }

  /** True once another owner holds the lock (or it expired): this controller must not act. */
  get lost(): boolean {
    return this.held.lost;
  }

  stillHeld(): boolean {
    return this.held.stillHeld();
  }

  /** Renew now (files: compare-and-swap on the owner). False when the lock is no longer ours. */
  extend(): boolean {
    const h = this.held as HeldLock & { extend?: () => boolean };
    return h.extend ? h.extend() : h.stillHeld();
  }

  release(): void {
    if (heldLock(this.stateDir) === this.held) registerHeld(this.stateDir, null);
    this.held.release();
  }
}
