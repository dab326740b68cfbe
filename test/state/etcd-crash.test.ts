// The crash harness on the etcd store: `kfleet apply` SIGKILLs itself right after journal record N
// (KFLEET_CRASH_AFTER_RECORD=N) for several N of a rollout with reboots, then `apply --resume`
// takes the run over once the dead controller's lease lapsed, until the run ends. Every host must
// end converged with exactly one boot (the lab's records), and the journal in etcd must replay.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlRequest, type HostStatus } from '../../src/lab/control.js';
import { journalPath, listRuns, readJournal, replay } from '../../src/rollout/journal.js';
import { kfleet, playbook, writePlaybook, type CliResult } from '../rollout/support.js';
import { startEtcd, type EtcdCluster } from './support/etcd.js';

describe('crash harness on etcd: SIGKILL after record N, resume takes over when the lease lapses', function () {
  this.timeout(600_000);
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-etcd-crash-'));
  const labDir = join(dir, 'lab');
  let etcd: EtcdCluster;
  let common: string[];
  const books: string[] = [];
  const env = { KFLEET_LOCK_TTL: '3' };
  const status = async () => (await controlRequest<{ hosts: HostStatus[] }>(labDir, '/status')).hosts;

  before(async () => {
    etcd = await startEtcd(1);
    const up = await kfleet(['lab', 'up', '--detach', '--state-dir', labDir, '--hosts', '4', '--profile', 'alinux-5.10.134-17', '--downtime-ms', '250']);
    assert.equal(up.code, 0, up.stderr + up.stdout);
    const s = await controlRequest<{ inventory: string; knownHosts: string }>(labDir, '/status');
    common = ['--state', etcd.url('crash'), '-i', s.inventory, '--known-hosts', s.knownHosts, '--json'];
    for (const interval of [200, 300]) {
      books.push(writePlaybook(dir, playbook({ kfence: { sample_interval: interval, apply: 'boot' }, rollout: { phases: [1, '100%'], soak: '300ms', forks: 4 }, reboot: { stable_for: '0s', timeout: '20s', max_parallel: 4 } }), `p${interval}.yml`));
    }
  });
  after(async () => {
    await kfleet(['lab', 'down', '--state-dir', labDir]);
    await etcd?.stop();
  });

  it('converges with one boot per host from every crash point tried', async () => {
    const url = etcd.url('crash');
    let round = 0;
    for (const n of [2, 6, 11, 17, 23]) {
      const interval = round % 2 === 0 ? 200 : 300;
      const pb = books[round++ % 2]!;
      const before = new Map((await status()).map((h) => [h.name, h.bootCount]));
      const known = new Set(listRuns(url));
      let r: CliResult = await kfleet(['apply', pb, ...common, '--yes'], { ...env, KFLEET_CRASH_AFTER_RECORD: String(n) });
      assert.equal(r.signal, 'SIGKILL', `N=${n}: not killed (exit ${r.code}) ${r.stderr}`);
      const run = listRuns(url).find((x) => !known.has(x))!;
      assert.ok(run);
      for (let resumes = 0; r.signal === 'SIGKILL'; resumes++) {
        assert.ok(resumes < 4, `N=${n}: still not finished`);
        assert.equal(replay(readJournal(journalPath(url, run))).end, null);
        r = await kfleet(['apply', '--resume', run, pb, ...common], env);
      }
      assert.equal(r.code, 0, `N=${n}: exit ${r.code}\n${r.stderr}`);
      const st = replay(readJournal(journalPath(url, run)));
      assert.equal(st.end?.verdict, 'converged');
      for (const h of await status()) {
        assert.equal(h.bootCount - before.get(h.name)!, 1, `N=${n}: ${h.name} booted ${h.bootCount - before.get(h.name)!} times`);
        assert.match(h.cmdline, new RegExp(`kfence\\.sample_interval=${interval}( |$)`));
        assert.equal(st.hosts.get(h.name)?.state, 'verified');
        assert.equal(st.hosts.get(h.name)?.boot_id, h.bootId);
      }
      const seqs = readJournal(journalPath(url, run)).map((x) => x.seq);
      assert.deepEqual(seqs, seqs.map((_, i) => i + 1), `N=${n}: the journal has gaps or repeats`);
    }
  });
});
