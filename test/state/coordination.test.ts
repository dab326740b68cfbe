// Several controllers on one run, on a real etcd: leased host claims, the fleet-wide reboot
// semaphore, a shared journal. A killed controller's claims and slot return with its lease; a
// paused one woken after its lease lapsed cannot append.
import assert from 'node:assert/strict';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { startChild, type Child } from './support/child.js';
import { RunMember } from '../../src/state/coordination.js';
import { createJournal, journalPath, readJournal, type RunMeta } from '../../src/rollout/journal.js';
import { registerHeld } from '../../src/state/open.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const meta = (run: string): RunMeta => ({ run, command: 'apply', playbook: { file: 'p.yml', sha256: 'x' }, inventory: [], limit: null, play: 'p', hosts: ['h1', 'h2', 'h3', 'h4'], check: false, options: {} });

async function until(what: string, ms: number, f: () => boolean): Promise<number> {
  const t0 = Date.now();
  while (!f()) {
    if (Date.now() - t0 > ms) throw new Error(`${what}: not within ${ms} ms`);
    await sleep(100);
  }
  return Date.now() - t0;
}

describe('several controllers on one run (etcd)', function () {
  this.timeout(120_000);
  let etcd: EtcdCluster;
  const kids: Child[] = [];
  before(async () => {
    etcd = await startEtcd(1);
  });
  after(async () => {
    for (const c of kids) if (c.proc.exitCode === null) c.proc.kill('SIGKILL');
    await etcd?.stop();
  });

  it('claims and reboot slots are exclusive and come back when their controller is SIGKILLed', async () => {
    const url = etcd.url('claims');
    createJournal(url, meta('r1')).close();
    const a = startChild('test/state/support/member.ts', [url, 'r1', '3', 'h1,h2', '2']);
    kids.push(a);
    assert.match(await a.waitLine(/^ready/), /^ready claimed=h1,h2 slot=0$/);
    const me = RunMember.join(url, 'r1', 3000);
    assert.equal(me.claim('h1', 1), false, 'h1 is claimed by the other controller');
    assert.equal(me.claim('h3', 1), true);
    assert.equal(me.claim('h3', 1), false, 'a claim is taken once');
    assert.equal(me.rebootSlot(2), 1);
    assert.equal(me.rebootSlot(2), null, 'max_parallel 2 fleet-wide: a third reboot must wait');
    assert.equal(me.rebootsInFlight(), 2);
    await a.waitLine(/^appended 3$/);
    a.proc.kill('SIGKILL');
    await a.exited;
    const ms = await until('h1 claimable after its controller died', 6000, () => me.claim('h1', 1));
    assert.ok(me.claim('h2', 1));
    assert.notEqual(me.rebootSlot(2), null, 'the dead controller\'s reboot slot came back');
    process.stdout.write(`      claims back ${ms} ms after the kill (TTL 3 s)\n`);
    // Both controllers wrote one journal, with no seq taken twice.
    const seqs = readJournal(journalPath(url, 'r1')).map((r) => r.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1));
    me.leave();
  });

  it('a controller paused past its lease cannot append when it wakes, and its claims went to another', async () => {
    const url = etcd.url('pause');
    registerHeld(url, null);
    createJournal(url, meta('r2')).close();
    const a = startChild('test/state/support/member.ts', [url, 'r2', '2', 'h1', '1']);
    kids.push(a);
    await a.waitLine(/^appended 3$/);
    a.proc.kill('SIGSTOP');
    const me = RunMember.join(url, 'r2', 5000);
    await until('h1 claimable while its controller is stopped', 8000, () => me.claim('h1', 1));
    assert.equal(me.rebootSlot(1), 0);
    const before = readJournal(journalPath(url, 'r2')).length;
    a.proc.kill('SIGCONT');
    assert.equal(await a.waitLine(/^error /, 20_000), 'error LOCK_LOST');
    assert.equal(await a.exited, 3);
    assert.equal(readJournal(journalPath(url, 'r2')).length, before, 'the woken controller appended after losing its lease');
    me.leave();
  });
});
