// The fleet lock on a real etcd (Debian's etcd-server on loopback): a lease-bound key, acquire
// refused with the owner's details, and fencing: a controller paused (SIGSTOP) past its lease TTL
// while another took the lock cannot append a single record when it wakes up.
import assert from 'node:assert/strict';
import { hostname } from 'node:os';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { startChild, type Child } from './support/child.js';
import { FleetLock, readLock } from '../../src/rollout/lock.js';
import { createJournal, journalPath, readJournal, replay } from '../../src/rollout/journal.js';
import { abortRequested } from '../../src/rollout/control.js';
import { KfleetError } from '../../src/errors.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('etcd fleet lock (one member)', function () {
  this.timeout(90_000);
  let etcd: EtcdCluster;
  const children: Child[] = [];
  before(async () => {
    etcd = await startEtcd(1);
  });
  after(async () => {
    for (const c of children) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await etcd?.stop();
  });

  it('a second controller is refused with the owner (run, pid, machine, user, since); the lock goes with the owner\'s lease', async () => {
    const url = etcd.url('refuse');
    const a = startChild('test/state/support/holder.ts', [url, 'run-a', '3']);
    children.push(a);
    await a.waitLine(/^appended 2/);
    const owner = readLock(url)!;
    assert.equal(owner.run, 'run-a');
    assert.equal(owner.pid, a.proc.pid);
    assert.ok(owner.epoch && Number(owner.epoch) > 0);
    assert.throws(
      () => FleetLock.acquire(url, 'run-b', { ttlMs: 3000 }),
      (e: unknown) => e instanceof KfleetError && e.code === 'LOCKED' && e.message.includes(`run run-a (pid ${a.proc.pid} on ${hostname()}, user `) && e.message.includes(`since ${owner.since}`),
    );
    a.proc.kill('SIGKILL');
    await a.exited;
    const t0 = Date.now();
    // The dead owner's key lapses with its lease: within one TTL (3 s) plus etcd's expiry tick.
    let lock: FleetLock | null = null;
    while (!lock && Date.now() - t0 < 8000) {
      try {
        lock = FleetLock.acquire(url, 'run-b', { ttlMs: 3000 });
      } catch (e) {
        if (!(e instanceof KfleetError && e.code === 'LOCKED')) throw e;
        await sleep(200);
      }
    }
    assert.ok(lock, 'lock not free 8 s after its owner was killed');
    assert.ok(Date.now() - t0 < 4500, `took ${Date.now() - t0} ms`);
    assert.equal(readLock(url)!.run, 'run-b');
    lock.release();
    assert.equal(readLock(url), null);
  });

  it('a controller paused past its TTL cannot append when it wakes up after another took the lock (fenced)', async () => {
    const url = etcd.url('fence');
    const a = startChild('test/state/support/holder.ts', [url, 'run-a', '2']);
    children.push(a);
    await a.waitLine(/^appended 3/);
    a.proc.kill('SIGSTOP');
    await sleep(200);
    const before = replay(readJournal(journalPath(url, 'run-a'))).lastSeq;
    // While it is stopped, its lease lapses and another controller takes the lock.
    const t0 = Date.now();
    let b: FleetLock | null = null;
    while (!b) {
      try {
        b = FleetLock.acquire(url, 'run-b', { ttlMs: 5000 });
      } catch (e) {
        if (!(e instanceof KfleetError && e.code === 'LOCKED') || Date.now() - t0 > 10_000) throw e;
        await sleep(200);
      }
    }
    a.proc.kill('SIGCONT');
    const line = await a.waitLine(/^error /, 20_000);
    assert.equal(line, 'error LOCK_LOST');
    assert.equal(await a.exited, 3);
    const after = replay(readJournal(journalPath(url, 'run-a'))).lastSeq;
    assert.equal(after, before, `the woken controller appended ${after - before} records after losing its lease`);
    assert.equal(readLock(url)!.run, 'run-b', 'the new owner keeps the lock');
    b.release();
  });

  it('a controller whose lease was taken stops: abortRequested is true and its appends throw LOCK_LOST', async () => {
    const url = etcd.url('stop');
    const lock = FleetLock.acquire(url, 'run-x', { ttlMs: 2000 });
    const j = createJournal(url, { run: 'run-x', command: 'apply', playbook: { file: 'p', sha256: 'x' }, inventory: [], limit: null, play: 'p', hosts: ['h'], check: false, options: {} });
    j.append({ t: 'phases', phases: [['h']] });
    assert.equal(abortRequested(url, 'run-x'), false);
    // Someone with etcd access deletes the lock key (an operator, or a bug elsewhere): the epoch is gone.
    const { Etcd3 } = await import('etcd3');
    const raw = new Etcd3({ hosts: `http://${etcd.endpoints}` });
    await raw.delete().key('stop/lock');
    raw.close();
    assert.throws(() => j.append({ t: 'host', host: 'h', state: 'planned' }), (e: unknown) => e instanceof KfleetError && e.code === 'LOCK_LOST');
    assert.equal(abortRequested(url, 'run-x'), true);
    assert.deepEqual(readJournal(journalPath(url, 'run-x')).map((r) => r.t), ['run', 'phases']);
    lock.release();
  });
});
