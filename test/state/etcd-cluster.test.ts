// A three-member etcd cluster: a controller keeps working with one member killed, stops acting
// (fail closed) while the majority is gone, and continues with the same lock when it returns.
import assert from 'node:assert/strict';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { startChild, type Child } from './support/child.js';
import { journalPath, readJournal } from '../../src/rollout/journal.js';
import { readLock } from '../../src/rollout/lock.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const appended = (c: Child) => c.lines.filter((l) => l.startsWith('appended ')).length;

describe('etcd state on a three-member cluster', function () {
  this.timeout(150_000);
  let etcd: EtcdCluster;
  let child: Child | null = null;
  before(async () => {
    etcd = await startEtcd(3);
  });
  after(async () => {
    if (child && child.proc.exitCode === null) child.proc.kill('SIGKILL');
    await etcd?.stop();
  });

  it('survives a member killed, fails closed without a majority, and goes on with the same lock once it is back', async () => {
    const url = etcd.url('majority');
    // TTL 8 s: above the 5 s a call can stall on a killed member before failing over.
    child = startChild('test/state/support/holder.ts', [url, 'run-m', '8'], { KFLEET_STATE_TIMEOUT: '90' });
    await child.waitLine(/^appended 3/);
    const epoch = readLock(url)!.epoch;

    await etcd.kill(0);
    const n0 = appended(child);
    // A call in flight to the killed member fails over to another at its deadline (5 s).
    const t0 = Date.now();
    while (appended(child) <= n0 + 5 && Date.now() - t0 < 15_000) await sleep(200);
    assert.ok(appended(child) > n0 + 5, `only ${appended(child) - n0} appends in 15 s with one member of three down`);

    await etcd.kill(1);
    await sleep(1500); // a call already in flight may finish
    const n1 = appended(child);
    await sleep(10_000); // longer than the lease TTL
    assert.equal(appended(child), n1, 'appended without a majority');
    assert.equal(child.proc.exitCode, null, `the controller gave up during a short outage: ${child.lines.slice(-3).join(' | ')}`);

    await etcd.restart(1);
    await etcd.restart(0);
    await child.waitLine(new RegExp(`^appended ${n1 + 3}$`), 60_000);
    assert.ok(!child.lines.some((l) => l.startsWith('error')), child.lines.join('|'));
    const owner = readLock(url)!;
    assert.equal(owner.run, 'run-m');
    assert.equal(owner.epoch, epoch, 'the same lease and epoch carried on');
    const seqs = readJournal(journalPath(url, 'run-m')).map((r) => r.seq);
    assert.deepEqual(seqs, seqs.map((_, i) => i + 1), 'the journal replays without gaps');
  });
});
