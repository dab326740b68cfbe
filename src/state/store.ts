// The state store port: everything kfleet keeps between commands — the fleet lock, run journals
// and the run list, quarantine, promote/abort signals, report cursors. Two implementations: files
// in a state directory (the default, file-store.ts) and etcd v3 (etcd-store.ts). The port is
// synchronous on purpose: a journal record is durable (fsynced, or committed by the etcd quorum)
// before the caller acts on it, exactly as before; etcd calls block on a worker thread.
import type { JournalRecord, Stamped } from '../rollout/journal.js';
import type { QuarantineEntry } from '../rollout/quarantine.js';
import type { HostLogState } from '../report/log-store.js';

export interface LockOwner {
  run: string;
  pid: number;
  machine: string;
  user: string;
  since: string;
  /** Files: when the TTL runs out unless renewed. etcd: as of the last renewal seen. */
  expires: string;
  /** etcd: the fencing token (the lock key's create revision). */
  epoch?: string;
  ttl_s?: number;
}

/** A lock this process holds. Journals written under it are fenced by it. */
export interface HeldLock {
  readonly owner: LockOwner;
  /**
   * Whether this process may still act. Never true once another owner could hold the lock.
   * May block while the store cannot tell (etcd unreachable), up to the lock's TTL.
   */
  stillHeld(): boolean;
  /** Throws LOCK_LOST (with the reason) unless stillHeld(). */
  assertHeld(): void;
  /** True once the lock is known to be gone (taken over, expired, released). */
  readonly lost: boolean;
  /** Released by its owner at the end of its run: records after that (the run's end) are not fenced. */
  readonly released: boolean;
  release(): void;
}

export interface AcquireOptions {
  ttlMs: number;
  takeOver: boolean;
  /** etcd: wait up to this long for a lease held by this same run to expire (a resume). */
  waitForRun?: string;
}

export interface JournalWriter {
  append(rec: JournalRecord): void;
  close(): void;
}

export interface StateStore {
  /** Where, for messages (never holds credentials). */
  readonly where: string;
  readonly kind: 'dir' | 'etcd';
  acquireLock(run: string, opts: AcquireOptions): HeldLock;
  readLock(): LockOwner | null;
  /** True when the lock is stale and may be taken over (files: TTL or dead pid; etcd: never — the lease decides). */
  isStale(o: LockOwner): boolean;
  /** Where the lock lives, for hints. */
  lockWhere(): string;

  openJournal(run: string, startSeq: number, fence: HeldLock | null, create: boolean): JournalWriter;
  readJournal(run: string): Stamped[];
  hasRun(run: string): boolean;
  /** A number that changes whenever the run's journal grows (files: its size; etcd: its last seq); -1 when absent. */
  journalVersion(run: string): number;
  listRuns(): string[];

  readQuarantine(): Record<string, QuarantineEntry>;
  quarantineHost(host: string, entry: QuarantineEntry): void;
  releaseHost(host: string): boolean;
  quarantineWhere(): string;

  requestAbort(run: string, reason: string): void;
  abortRequested(run: string): boolean;
  requestPromote(run: string, phase: number | 'next'): void;
  consumePromote(run: string, phase: number): boolean;

  /** A command's own record (e.g. `kfleet focus`'s steps): a JSON document by kind and id. */
  loadRecord(kind: string, id: string): unknown;
  saveRecord(kind: string, id: string, value: unknown): void;
  /** Where records of `kind` live, for hints. */
  recordsWhere(kind: string): string;

  loadHostLog(host: string): HostLogState | null;
  saveHostLog(s: HostLogState): void;
}
