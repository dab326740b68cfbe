// Issue 13 item 7: the lock's heartbeat must compare-and-swap on the owner. An owner that stalled
// past its TTL and wakes after another run took the lock over must not write the lock back, and
// must stop: its journal refuses records (each announces a host action) and its run reads as aborted.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FleetLock, lockPath, readLock } from '../../src/rollout/lock.js';
import { createJournal, journalPath, readJournal, type RunMeta } from '../../src/rollout/journal.js';
import { abortRequested } from '../../src/rollout/control.js';
import { KfleetError } from '../../src/errors.js';

const meta = (run: string): RunMeta => ({ run, command: 'apply', playbook: { file: 'p.yml', sha256: 'x' }, inventory: ['inv.ini'], limit: null, play: 'p', hosts: ['a'], check: false, options: {} });

/** What a stalled owner looks like from outside: its TTL is in the past. */
function expire(dir: string): void {
  const o = JSON.parse(readFileSync(lockPath(dir), 'utf8')) as Record<string, unknown>;
  writeFileSync(lockPath(dir), JSON.stringify({ ...o, expires: new Date(Date.now() - 1000).toISOString() }));
}

describe('file fleet lock: compare-and-swap heartbeat', () => {
  it('an owner whose TTL passed and whose lock was taken over does not clobber the new owner', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-cas-'));
    const a = FleetLock.acquire(dir, 'run-a');
    expire(dir);
    // A second process would do this; within one process the lock registry is per store, so take
    // the lock over the way that process would, straight through the store.
    const b = FleetLock.acquire(dir, 'run-b', { takeOver: true });
    assert.equal(readLock(dir)!.run, 'run-b');
    assert.equal(a.extend(), false, 'the stale owner must see that its lock is taken');
    assert.equal(readLock(dir)!.run, 'run-b', 'the heartbeat overwrote the new owner');
    assert.equal(a.lost, true);
    a.release();
    assert.equal(readLock(dir)!.run, 'run-b', 'releasing a lost lock must not remove the new owner\'s');
    b.release();
    assert.equal(readLock(dir), null);
  });

  it('an owner that finds its lock taken stops at once: its journal refuses records, its run reads as aborted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-cas-'));
    const a = FleetLock.acquire(dir, 'run-a');
    const j = createJournal(dir, meta('run-a'));
    j.append({ t: 'host', host: 'a', state: 'planned' });
    assert.equal(abortRequested(dir, 'run-a'), false);
    expire(dir);
    // Another kfleet (other process) takes over: write its lock file as FileLock would.
    writeFileSync(lockPath(dir), JSON.stringify({ run: 'run-b', pid: process.pid + 1, machine: 'bastion-2', user: 'sre', since: new Date().toISOString(), expires: new Date(Date.now() + 60_000).toISOString() }));
    assert.throws(() => j.append({ t: 'reboot', host: 'a', stage: 'fire', boot_id_before: 'x' }), (e: unknown) => e instanceof KfleetError && e.code === 'LOCK_LOST' && /run-b/.test(e.message) && /bastion-2/.test(e.message));
    assert.equal(abortRequested(dir, 'run-a'), true);
    assert.equal(a.extend(), false);
    assert.equal(readLock(dir)!.run, 'run-b');
    const recs = readJournal(journalPath(dir, 'run-a'));
    assert.deepEqual(recs.map((r) => r.t), ['run', 'host'], 'no record after the lock was lost');
    j.close();
    a.release();
  });

  it('an owner that stalled past its TTL with nobody taking over renews before acting, and goes on', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-cas-'));
    const a = FleetLock.acquire(dir, 'run-a');
    const j = createJournal(dir, meta('run-a'));
    expire(dir);
    j.append({ t: 'host', host: 'a', state: 'planned' });
    assert.ok(Date.parse(readLock(dir)!.expires) > Date.now(), 'renewed');
    assert.equal(a.lost, false);
    j.close();
    a.release();
  });

  it('a second acquire is refused with the owner named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-cas-'));
    const a = FleetLock.acquire(dir, 'run-a');
    assert.throws(() => FleetLock.acquire(dir, 'run-b'), (e: unknown) => e instanceof KfleetError && e.code === 'LOCKED' && /run run-a \(pid \d+ on .+, user .+, since /.test(e.message));
    a.release();
  });
});
