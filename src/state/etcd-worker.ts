// The etcd side of the state port, run in a worker thread (sync-worker.ts): one etcd3 client, the
// fleet lock's lease and its keep-alive. Key layout under the prefix:
//   lock                      the fleet lock: owner JSON, bound to the owner's lease
//   run-index/<run>           one key per run (for `kfleet runs`)
//   runs/<run>/j/<seq:12>     journal records, one key each, written only if absent
//   runs/<run>/abort          abort request;  runs/<run>/promote-<n|next>   promote requests
//   quarantine/<host>         quarantine entries;  kernel-log/<host>   report cursors
// The lease's validity is published in shared memory: `validUntil` is the send time of the last
// keep-alive etcd answered plus the TTL it granted, an instant before which etcd cannot have
// expired the lease (a lease only expires TTL after the leader last heard of it).
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { Etcd3, EtcdLeaseInvalidError, GRPCCancelledError, GRPCDeadlineExceededError, GRPCUnavailableError, type Lease, type Namespace } from 'etcd3';
import type { EtcdConnection } from './location.js';
import type { LockOwner } from './store.js';

interface Init {
  port: MessagePort;
  flagBuf: SharedArrayBuffer;
  leaseBuf: SharedArrayBuffer;
  data: { conn: EtcdConnection; callTimeoutMs: number };
}

const init = workerData as Init;
const flag = new Int32Array(init.flagBuf);
const shared = new BigInt64Array(init.leaseBuf);
const { conn, callTimeoutMs } = init.data;
void parentPort;

const client = new Etcd3({
  hosts: conn.hosts,
  ...(conn.tls ? { credentials: { rootCertificate: (conn.tls.ca ? Buffer.from(conn.tls.ca) : undefined) as Buffer /* undefined: the system's roots */, ...(conn.tls.cert ? { certChain: Buffer.from(conn.tls.cert) } : {}), ...(conn.tls.key ? { privateKey: Buffer.from(conn.tls.key) } : {}) } } : {}),
  ...(conn.auth ? { auth: { username: conn.auth.username, password: conn.auth.password } } : {}),
  dialTimeout: Math.min(callTimeoutMs, 5000),
  defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + Math.min(callTimeoutMs, 5000) }),
});
const ns: Namespace = client.namespace(conn.prefix);

const pad = (seq: number) => String(seq).padStart(12, '0');
const recKey = (run: string, seq: number) => `runs/${run}/j/${pad(seq)}`;

class Gone extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

// ---- the fleet lock ------------------------------------------------------------------------
interface Held {
  lease: Lease;
  leaseId: string;
  epoch: string;
  /** The key whose create revision is the fencing token: 'lock', or a worker's membership key. */
  fenceKey: string;
  ttlS: number;
  owner: LockOwner;
  timer: NodeJS.Timeout | null;
  lostReason: string | null;
}
let held: Held | null = null;

function publish(validUntil: number, lost: boolean): void {
  Atomics.store(shared, 0, BigInt(Math.floor(validUntil)));
  Atomics.store(shared, 1, lost ? 1n : 0n);
}

function loseLock(reason: string): void {
  if (!held || held.lostReason) return;
  held.lostReason = reason;
  if (held.timer) clearInterval(held.timer);
  held.timer = null;
  publish(0, true);
}

/** One keep-alive; true when etcd renewed the lease (the lock is still ours). */
async function renew(): Promise<boolean> {
  const h = held;
  if (!h || h.lostReason) return false;
  const sent = Date.now();
  try {
    const res = await h.lease.keepaliveOnce({ deadline: Date.now() + Math.max(1000, (h.ttlS * 1000) / 3) });
    if (held !== h) return false;
    const ttl = Number(res.TTL);
    if (!(ttl > 0)) {
      loseLock(`its lease ${h.leaseId} expired in etcd (the controller was paused or cut off for longer than the ${h.ttlS} s TTL)`);
      return false;
    }
    if (!h.lostReason) publish(sent + ttl * 1000, false);
    return !h.lostReason;
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof EtcdLeaseInvalidError || /lease not found/i.test(msg)) loseLock(`its lease ${h.leaseId} no longer exists in etcd`);
    return false;
  }
}

async function ownerOf(): Promise<{ owner: LockOwner; epoch: string } | null> {
  const r = await ns.get('lock').exec();
  const kv = r.kvs[0];
  if (!kv) return null;
  return { owner: { ...(JSON.parse(kv.value.toString()) as LockOwner), epoch: String(kv.create_revision) }, epoch: String(kv.create_revision) };
}

async function acquire(owner: LockOwner, ttlS: number, waitForRun: string | null, waitMs: number): Promise<{ ok: true; owner: LockOwner } | { ok: false; holder: LockOwner }> {
  if (held && !held.lostReason && held.owner.run === owner.run) throw new Error('lock already held by this process');
  const deadline = Date.now() + waitMs;
  const patience = Date.now() + waitMs + callTimeoutMs - 2000;
  for (;;) {
    const lease = ns.lease(ttlS, { autoKeepAlive: false });
    const sent = Date.now();
    let leaseId: string;
    let txn: Awaited<ReturnType<ReturnType<typeof ns.if>['commit']>>;
    try {
      leaseId = await lease.grant();
      txn = await ns
        .if('lock', 'Create', '==', 0)
        .then(ns.put('lock').value(JSON.stringify(owner)).lease(leaseId))
        .else(ns.get('lock'))
        .commit();
    } catch (e) {
      // No majority (or a member just died): wait it out. A lock that a lost answer granted goes
      // with the revoked lease, or lapses with it; then this same run's lock is waited for below.
      if (!transient(e) || Date.now() > patience) throw e;
      await lease.revoke().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 250));
      continue;
    }
    if (txn.succeeded) {
      if (held?.timer) clearInterval(held.timer);
      const epoch = String(txn.header.revision);
      const mine: LockOwner = { ...owner, epoch, ttl_s: ttlS };
      // Record the epoch in the owner so every reader sees the fencing token.
      held = { lease, leaseId, epoch, fenceKey: 'lock', ttlS, owner: mine, timer: null, lostReason: null };
      publish(sent + ttlS * 1000, false);
      held.timer = setInterval(() => void renew(), Math.max(250, Math.floor((ttlS * 1000) / 4)));
      return { ok: true, owner: mine };
    }
    await lease.revoke().catch(() => undefined);
    const kv = txn.responses[0]?.response_range?.kvs[0];
    const holder: LockOwner = kv ? { ...(JSON.parse(kv.value.toString()) as LockOwner), epoch: String(kv.create_revision) } : { run: '?', pid: 0, machine: '?', user: '?', since: '?', expires: '?' };
    if (!waitForRun || holder.run !== waitForRun || Date.now() >= deadline) return { ok: false, holder };
    // The same run's previous controller: its lease lapses at most one TTL after it died.
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function release(): Promise<void> {
  const h = held;
  if (!h) return;
  if (h.timer) clearInterval(h.timer);
  h.timer = null;
  held = null;
  publish(0, true);
  if (h.lostReason) return;
  await ns.if(h.fenceKey, 'Create', '==', h.epoch).then(ns.delete().key(h.fenceKey)).commit().catch(() => undefined);
  await h.lease.revoke().catch(() => undefined);
}

/** Wait (at most waitMs) until etcd says whether the lease is still ours. */
async function settle(waitMs: number): Promise<'held' | 'lost' | 'unknown'> {
  const until = Date.now() + waitMs;
  for (;;) {
    const h = held;
    if (!h || h.lostReason) return 'lost';
    if (await renew()) return 'held';
    if (held?.lostReason || !held) return 'lost';
    if (Date.now() >= until) return 'unknown';
    await new Promise((r) => setTimeout(r, 250));
  }
}

// ---- the journal ---------------------------------------------------------------------------
async function lastSeq(run: string): Promise<number> {
  const r = await ns.getAll().prefix(`runs/${run}/j/`).sort('Key', 'Descend').limit(1).keys();
  const k = r[0];
  return k ? Number(k.slice(k.lastIndexOf('/') + 1)) : 0;
}

/**
 * Append one record at the next free seq; fenced: only while the fence key is still this epoch's.
 * While etcd cannot commit (no majority), the append waits and retries (fail closed: the caller
 * acts on nothing meanwhile) until the call's budget is spent; a retry after an answer that was
 * lost finds its own record already there and does not write it twice.
 */
async function append(run: string, rec: Record<string, unknown>, seqHint: number, fenced: boolean, indexRun: boolean): Promise<number> {
  const ts = new Date().toISOString();
  const until = Date.now() + callTimeoutMs - 2000;
  let seq = seqHint + 1;
  for (;;) {
    try {
      return await appendAt(run, rec, ts, seq, fenced, indexRun, (next) => (seq = next));
    } catch (e) {
      if (e instanceof Gone || Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function appendAt(run: string, rec: Record<string, unknown>, ts: string, first: number, fenced: boolean, indexRun: boolean, moved: (seq: number) => void): Promise<number> {
  let seq = first;
  for (let attempt = 0; attempt < 50; attempt++) {
    const line = JSON.stringify({ ...rec, seq, ts });
    let b = ns.if(recKey(run, seq), 'Create', '==', 0);
    if (fenced) {
      const h = held;
      if (!h || h.lostReason) throw new Gone('LOCK_LOST', `this controller lost the fleet lock: ${h?.lostReason ?? 'released'}; it stopped touching hosts`);
      b = b.and(h.fenceKey, 'Create', '==', h.epoch);
    }
    const ops = [ns.put(recKey(run, seq)).value(line)];
    if (indexRun) ops.push(ns.put(`run-index/${run}`).value(''));
    const txn = await b.then(...ops).commit();
    if (txn.succeeded) return seq;
    if ((await ns.get(recKey(run, seq)).string()) === line) return seq; // committed by an earlier try whose answer was lost
    if (fenced && held?.fenceKey !== 'lock') {
      const kv = (await ns.get(held!.fenceKey).exec()).kvs[0];
      if (!kv || String(kv.create_revision) !== held?.epoch) {
        loseLock('its worker lease expired in etcd (paused or cut off for longer than its TTL); its claims went back to the run');
        throw new Gone('LOCK_LOST', `this worker lost its lease: ${held?.lostReason ?? 'released'}; it stopped touching hosts`);
      }
    } else if (fenced) {
      const cur = await ownerOf();
      if (!cur || cur.epoch !== held?.epoch) {
        loseLock(cur ? `run ${cur.owner.run} (pid ${cur.owner.pid} on ${cur.owner.machine}, user ${cur.owner.user}) holds the fleet lock since ${cur.owner.since}` : 'its lease expired in etcd and the lock key is gone');
        throw new Gone('LOCK_LOST', `this controller lost the fleet lock: ${held?.lostReason ?? 'released'}; it stopped touching hosts`);
      }
    }
    seq = (await lastSeq(run)) + 1; // another controller of this run wrote that seq: take the next
    moved(seq);
  }
  throw new Error(`could not append to the journal of run ${run}: too much contention`);
}

async function readJournal(run: string): Promise<string[]> {
  const r = await ns.getAll().prefix(`runs/${run}/j/`).sort('Key', 'Ascend').strings();
  return Object.values(r);
}

// ---- several controllers on one run ------------------------------------------------------
/** Join run `run` as a worker: a membership key bound to this worker's own lease (its fence). */
async function join(run: string, owner: LockOwner, ttlS: number): Promise<LockOwner> {
  if (held && !held.lostReason) throw new Error('this process already holds a lease');
  const patience = Date.now() + callTimeoutMs - 2000;
  for (;;) {
    const lease = ns.lease(ttlS, { autoKeepAlive: false });
    const sent = Date.now();
    try {
      const leaseId = await lease.grant();
      const key = `runs/${run}/workers/${leaseId}`;
      const txn = await ns.if(key, 'Create', '==', 0).then(ns.put(key).value(JSON.stringify(owner)).lease(leaseId)).commit();
      if (!txn.succeeded) throw new Error(`worker key ${key} exists`);
      return joined(lease, leaseId, key, txn.header.revision, sent, owner, ttlS);
    } catch (e) {
      // No majority: wait it out (a membership a lost answer created goes with its revoked lease).
      if (!transient(e) || Date.now() > patience) throw e;
      await lease.revoke().catch(() => undefined);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function joined(lease: Lease, leaseId: string, key: string, revision: string, sent: number, owner: LockOwner, ttlS: number): LockOwner {
  const epoch = String(revision);
  const mine: LockOwner = { ...owner, epoch, ttl_s: ttlS };
  held = { lease, leaseId, epoch, fenceKey: key, ttlS, owner: mine, timer: null, lostReason: null };
  publish(sent + ttlS * 1000, false);
  held.timer = setInterval(() => void renew(), Math.max(250, Math.floor((ttlS * 1000) / 4)));
  return mine;
}

function needLease(): Held {
  const h = held;
  if (!h || h.lostReason) throw new Gone('LOCK_LOST', `this controller lost its lease: ${h?.lostReason ?? 'not joined'}; it stopped touching hosts`);
  return h;
}

/** Claim keys this process holds (see mySlots). */
const myClaims = new Set<string>();

/** Claim `host` in `run` for this controller, bound to its lease: false when another holds it. */
async function claim(run: string, host: string, phase: number): Promise<{ ok: boolean; holder: string | null }> {
  const h = needLease();
  const key = `runs/${run}/claims/${encodeURIComponent(host)}`;
  const txn = await ns
    .if(key, 'Create', '==', 0)
    .and(h.fenceKey, 'Create', '==', h.epoch)
    .then(ns.put(key).value(JSON.stringify({ worker: h.leaseId, pid: h.owner.pid, machine: h.owner.machine, phase })).lease(h.leaseId))
    .else(ns.get(key))
    .commit();
  const kv = txn.succeeded ? null : txn.responses[0]?.response_range?.kvs[0];
  // Granted, or granted by an earlier try whose answer was lost (on our lease, yet not a claim we hold).
  if (txn.succeeded || (kv && String(kv.lease) === h.leaseId && !myClaims.has(key))) {
    myClaims.add(key);
    return { ok: true, holder: h.leaseId };
  }
  return { ok: false, holder: kv ? String(kv.lease) : null };
}

async function unclaim(run: string, host: string): Promise<void> {
  const h = needLease();
  const key = `runs/${run}/claims/${encodeURIComponent(host)}`;
  await ns.if(key, 'Lease', '==', h.leaseId).then(ns.delete().key(key)).commit();
  myClaims.delete(key);
}

/** Take one of `max` slots of semaphore `name` (e.g. reboots fleet-wide), bound to this lease; -1 when all are taken. */
/** Slot keys this process holds (to tell one of ours from a slot whose granting answer was lost). */
const mySlots = new Set<string>();

async function semAcquire(name: string, max: number): Promise<number> {
  const h = needLease();
  for (let i = 0; i < max; i++) {
    const key = `sem/${name}/${i}`;
    const txn = await ns.if(key, 'Create', '==', 0).and(h.fenceKey, 'Create', '==', h.epoch).then(ns.put(key).value(JSON.stringify({ worker: h.leaseId, pid: h.owner.pid })).lease(h.leaseId)).else(ns.get(key)).commit();
    const kv = txn.succeeded ? null : txn.responses[0]?.response_range?.kvs[0];
    // Granted, or granted by an earlier try whose answer was lost (on our lease, yet not one we hold).
    if (txn.succeeded || (kv && String(kv.lease) === h.leaseId && !mySlots.has(key))) {
      mySlots.add(key);
      return i;
    }
  }
  return -1;
}

async function semRelease(name: string, slot: number): Promise<void> {
  const h = needLease();
  const key = `sem/${name}/${slot}`;
  await ns.if(key, 'Lease', '==', h.leaseId).then(ns.delete().key(key)).commit();
  mySlots.delete(key);
}

async function semHolders(name: string): Promise<number> {
  return (await ns.getAll().prefix(`sem/${name}/`).keys()).length;
}

/** The hosts of `run` some live controller has claimed. */
async function claimed(run: string): Promise<string[]> {
  const prefix = `runs/${run}/claims/`;
  return (await ns.getAll().prefix(prefix).keys()).map((k) => decodeURIComponent(k.slice(prefix.length)));
}

// ---- the rest ------------------------------------------------------------------------------
const ops: Record<string, (...a: never[]) => Promise<unknown>> = {
  acquire,
  release,
  settle,
  append,
  readJournal,
  join,
  claim,
  unclaim,
  semAcquire,
  semRelease,
  semHolders,
  claimed,
  lastSeq,
  async lockOwner() {
    return (await ownerOf())?.owner ?? null;
  },
  async hasRun(run: string) {
    return (await ns.get(`run-index/${run}`).exec()).kvs.length > 0;
  },
  async listRuns() {
    return (await ns.getAll().prefix('run-index/').keys()).map((k) => k.slice('run-index/'.length)).sort();
  },
  async getJson(key: string) {
    const v = await ns.get(key).string();
    return v === null ? null : (JSON.parse(v) as unknown);
  },
  async putJson(key: string, value: unknown) {
    await ns.put(key).value(JSON.stringify(value));
  },
  async del(key: string) {
    return (await ns.delete().key(key).exec()).deleted !== '0';
  },
  async exists(key: string) {
    return (await ns.get(key).exec()).kvs.length > 0;
  },
  async allJson(prefix: string) {
    const r = await ns.getAll().prefix(prefix).strings();
    return Object.fromEntries(Object.entries(r).map(([k, v]) => [k.slice(prefix.length), JSON.parse(v) as unknown]));
  },
  async consumePromote(run: string, phase: number) {
    if ((await ns.get(`runs/${run}/promote-${phase}`).exec()).kvs.length > 0) return true;
    const txn = await ns
      .if(`runs/${run}/promote-next`, 'Create', '>', 0)
      .then(ns.delete().key(`runs/${run}/promote-next`), ns.put(`runs/${run}/promote-${phase}`).value(new Date().toISOString()))
      .commit();
    return txn.succeeded;
  },
  async close() {
    await release();
    client.close();
  },
};

/** Errors of an etcd without a reachable majority (or a member that just died): worth waiting out. */
function transient(e: unknown): boolean {
  return e instanceof GRPCUnavailableError || e instanceof GRPCDeadlineExceededError || e instanceof GRPCCancelledError || /no leader|leader changed|timed out|unavailable|circuit breaker is open|ECONNREFUSED|ECONNRESET|no connection/i.test((e as Error)?.message ?? '');
}

/**
 * Plain reads and writes wait out an etcd without a majority (fail closed: the caller does nothing
 * meanwhile) up to the call's budget, then fail STATE_UNAVAILABLE. Every op here is safe to repeat
 * (a claim found on this controller's own lease is ours). The lock, membership, keep-alive and
 * journal ops handle their own retries.
 */
const RETRIED = new Set(['readJournal', 'claim', 'unclaim', 'semAcquire', 'semRelease', 'consumePromote', 'semHolders', 'claimed', 'lastSeq', 'lockOwner', 'hasRun', 'listRuns', 'getJson', 'putJson', 'del', 'exists', 'allJson']);
async function patiently<T>(op: string, f: () => Promise<T>): Promise<T> {
  if (!RETRIED.has(op)) return f();
  const until = Date.now() + callTimeoutMs - 2000;
  for (;;) {
    try {
      return await f();
    } catch (e) {
      if (e instanceof Gone || !transient(e) || Date.now() > until) throw e;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

init.port.on('message', (m: { id: number; op: string; args: unknown[] }) => {
  const fn = ops[m.op];
  const reply = (r: Record<string, unknown>) => {
    init.port.postMessage({ id: m.id, ...r });
    Atomics.store(flag, 0, 1);
    Atomics.notify(flag, 0);
  };
  if (!fn) return reply({ ok: false, error: { message: `unknown state op ${m.op}` } });
  patiently(m.op, () => (fn as (...a: unknown[]) => Promise<unknown>)(...m.args)).then(
    (value) => reply({ ok: true, value }),
    (e: unknown) => {
      const err = e as Error & { code?: string; hint?: string };
      const known = e instanceof Gone;
      reply({ ok: false, error: { ...(known ? { code: err.code, exitCode: 5 } : { code: 'STATE_UNAVAILABLE', exitCode: 5 }), message: known ? err.message : `etcd: ${err.message}`, ...(err.hint ? { hint: err.hint } : {}) } });
    },
  );
});
