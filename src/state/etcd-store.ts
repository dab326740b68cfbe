// The state store on etcd v3: the synchronous face of etcd-worker.ts. The fleet lock is a key bound
// to a lease; this process may act while `validUntil` (published by the worker) lies ahead with a
// margin, and while it does not, every check blocks until etcd says whether the lease survived
// (continue) or not (LOCK_LOST): a controller cut off from etcd stops starting anything before its
// lease could have expired, and one that wakes up from a pause finds the lock gone.
import { hostname } from 'node:os';
import { EXIT, KfleetError } from '../errors.js';
import type { JournalRecord, Stamped } from '../rollout/journal.js';
import type { QuarantineEntry } from '../rollout/quarantine.js';
import type { HostLogState } from '../report/log-store.js';
import { currentUser } from './file-lock.js';
import { etcdConnection, type EtcdLocation } from './location.js';
import { SyncWorker } from './sync-worker.js';
import type { AcquireOptions, HeldLock, JournalWriter, LockOwner, StateStore } from './store.js';
import { crashAfterRecord } from './crash-seam.js';

const workerUrl = new URL(import.meta.url.endsWith('.ts') ? './etcd-worker.ts' : './etcd-worker.js', import.meta.url);

/** How long a call may wait for etcd (a majority must answer) before the command fails closed. */
function callTimeoutMs(): number {
  const s = Number(process.env.KFLEET_STATE_TIMEOUT ?? '30');
  return (Number.isFinite(s) && s > 0 ? s : 30) * 1000;
}

function describe(o: LockOwner): string {
  return `run ${o.run} (pid ${o.pid} on ${o.machine}, user ${o.user}, since ${o.since}${o.epoch ? `, epoch ${o.epoch}` : ''})`;
}

class EtcdLock implements HeldLock {
  released = false;
  private lostWhy: string | null = null;
  constructor(
    private readonly w: SyncWorker,
    readonly owner: LockOwner,
    private readonly ttlMs: number,
  ) {}

  get lost(): boolean {
    return this.released || this.lostWhy !== null || Atomics.load(this.w.shared.lease, 1) === 1n;
  }

  stillHeld(): boolean {
    if (this.lost) return false;
    const validUntil = Number(Atomics.load(this.w.shared.lease, 0));
    // Keep a fifth of the TTL in hand for the step that follows the check.
    if (Date.now() < validUntil - Math.min(this.ttlMs / 5, 5000)) return true;
    // Not renewed lately (etcd unreachable, or this process was paused): block until etcd says.
    const r = this.w.call<'held' | 'lost' | 'unknown'>('settle', [callTimeoutMs()], callTimeoutMs() + 5000);
    if (r === 'held') return true;
    if (r === 'lost') return false;
    throw new KfleetError('STATE_UNAVAILABLE', `etcd did not confirm the fleet lock of run ${this.owner.run} within ${Math.round(callTimeoutMs() / 1000)} s; stopped before touching another host`, {
      exitCode: EXIT.LOCKED,
      hint: `bring a majority of the etcd members back, then \`kfleet apply --resume ${this.owner.run}\``,
    });
  }

  assertHeld(): void {
    if (this.stillHeld()) return;
    throw new KfleetError('LOCK_LOST', `this controller lost the fleet lock of run ${this.owner.run} (its etcd lease expired or was taken over); it stopped touching hosts`, {
      exitCode: EXIT.LOCKED,
      hint: `\`kfleet runs\` shows who holds it; the run continues with \`kfleet apply --resume ${this.owner.run}\``,
    });
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      this.w.call('release', [], callTimeoutMs());
    } catch {
      /* the lease lapses on its own */
    }
  }
}

class EtcdJournalWriter implements JournalWriter {
  constructor(
    private readonly store: EtcdStore,
    private readonly run: string,
    private seq: number,
    private readonly fence: HeldLock | null,
  ) {}
  append(rec: JournalRecord): void {
    const fenced = this.fence !== null && !this.fence.released;
    if (fenced) this.fence.assertHeld();
    this.seq = this.store.worker.call<number>('append', [this.run, rec, this.seq, fenced, rec.t === 'run'], callTimeoutMs());
    crashAfterRecord();
  }
  close(): void {
    /* nothing held per journal */
  }
}

export class EtcdStore implements StateStore {
  readonly kind = 'etcd' as const;
  readonly worker: SyncWorker;
  constructor(readonly loc: EtcdLocation) {
    this.worker = new SyncWorker(workerUrl, { conn: etcdConnection(loc), callTimeoutMs: callTimeoutMs() });
  }
  get where(): string {
    return this.loc.url;
  }
  private call<T>(op: string, ...args: unknown[]): T {
    return this.worker.call<T>(op, args, callTimeoutMs());
  }

  acquireLock(run: string, opts: AcquireOptions): HeldLock {
    const ttlS = Math.max(2, Math.round(opts.ttlMs / 1000));
    const now = Date.now();
    const owner: LockOwner = { run, pid: process.pid, machine: hostname(), user: currentUser(), since: new Date(now).toISOString(), expires: new Date(now + ttlS * 1000).toISOString(), ttl_s: ttlS };
    const waitMs = opts.waitForRun ? ttlS * 1000 + 2000 : 0;
    const r = this.worker.call<{ ok: true; owner: LockOwner } | { ok: false; holder: LockOwner }>('acquire', [owner, ttlS, opts.waitForRun ?? null, waitMs], callTimeoutMs() + waitMs);
    if (r.ok) return new EtcdLock(this.worker, r.owner, ttlS * 1000);
    throw new KfleetError('LOCKED', `another kfleet run holds the fleet lock in ${this.loc.url}: ${describe(r.holder)}`, {
      exitCode: EXIT.LOCKED,
      hint: `its lease is kept alive while that controller runs (TTL ${r.holder.ttl_s ?? '?'} s); wait for it, or stop it with \`kfleet abort ${r.holder.run} --state ${this.loc.url}\``,
    });
  }
  readLock(): LockOwner | null {
    return this.call<LockOwner | null>('lockOwner');
  }

  /** Join `run` as one of several controllers: a membership key on this process's own lease. */
  joinRun(run: string, ttlMs: number): HeldLock {
    const ttlS = Math.max(2, Math.round(ttlMs / 1000));
    const now = Date.now();
    const owner: LockOwner = { run, pid: process.pid, machine: hostname(), user: currentUser(), since: new Date(now).toISOString(), expires: new Date(now + ttlS * 1000).toISOString(), ttl_s: ttlS };
    const mine = this.call<LockOwner>('join', run, owner, ttlS);
    return new EtcdLock(this.worker, mine, ttlS * 1000);
  }
  /** Claim a host of `run` for this controller until it releases it or its lease lapses. */
  claimHost(run: string, host: string, phase: number): boolean {
    return this.call<{ ok: boolean }>('claim', run, host, phase).ok;
  }
  /** The hosts of `run` that live controllers hold claims on. */
  claimedHosts(run: string): string[] {
    return this.call<string[]>('claimed', run);
  }
  releaseClaim(run: string, host: string): void {
    this.call('unclaim', run, host);
  }
  /** One of `max` slots of a fleet-wide semaphore, or -1 when all are taken. */
  semaphoreAcquire(name: string, max: number): number {
    return this.call<number>('semAcquire', name, max);
  }
  semaphoreRelease(name: string, slot: number): void {
    this.call('semRelease', name, slot);
  }
  semaphoreHolders(name: string): number {
    return this.call<number>('semHolders', name);
  }
  isStale(): boolean {
    return false; // a dead owner's lease expires and its key goes with it
  }
  lockWhere(): string {
    return `${this.loc.url} (key ${this.loc.prefix}lock)`;
  }

  openJournal(run: string, startSeq: number, fence: HeldLock | null): JournalWriter {
    return new EtcdJournalWriter(this, run, startSeq, fence);
  }
  readJournal(run: string): Stamped[] {
    const lines = this.call<string[]>('readJournal', run);
    if (lines.length === 0) throw new Error(`no journal for run ${run} in ${this.loc.url}`);
    return lines.map((l) => JSON.parse(l) as Stamped);
  }
  journalVersion(run: string): number {
    const seq = this.call<number>('lastSeq', run);
    return seq > 0 ? seq : -1;
  }
  hasRun(run: string): boolean {
    return this.call<boolean>('hasRun', run);
  }
  listRuns(): string[] {
    return this.call<string[]>('listRuns');
  }

  readQuarantine(): Record<string, QuarantineEntry> {
    const all = this.call<Record<string, QuarantineEntry>>('allJson', 'quarantine/');
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [decodeURIComponent(k), v]));
  }
  quarantineHost(host: string, entry: QuarantineEntry): void {
    this.call('putJson', `quarantine/${encodeURIComponent(host)}`, entry);
  }
  releaseHost(host: string): boolean {
    return this.call<boolean>('del', `quarantine/${encodeURIComponent(host)}`);
  }
  quarantineWhere(): string {
    return `${this.loc.url} (keys ${this.loc.prefix}quarantine/)`;
  }

  requestAbort(run: string, reason: string): void {
    this.call('putJson', `runs/${run}/abort`, { reason, at: new Date().toISOString() });
  }
  abortRequested(run: string): boolean {
    return this.call<boolean>('exists', `runs/${run}/abort`);
  }
  requestPromote(run: string, phase: number | 'next'): void {
    this.call('putJson', `runs/${run}/promote-${phase}`, new Date().toISOString());
  }
  consumePromote(run: string, phase: number): boolean {
    return this.call<boolean>('consumePromote', run, phase);
  }

  loadRecord(kind: string, id: string): unknown {
    return this.call<unknown>('getJson', `${kind}/${encodeURIComponent(id)}`);
  }
  saveRecord(kind: string, id: string, value: unknown): void {
    this.call('putJson', `${kind}/${encodeURIComponent(id)}`, value);
  }
  recordsWhere(kind: string): string {
    return `${this.loc.url} (keys ${this.loc.prefix}${kind}/)`;
  }

  loadHostLog(host: string): HostLogState | null {
    return this.call<HostLogState | null>('getJson', `kernel-log/${encodeURIComponent(host)}`);
  }
  saveHostLog(s: HostLogState): void {
    this.call('putJson', `kernel-log/${encodeURIComponent(s.host)}`, s);
  }
}
