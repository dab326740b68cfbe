// Several controllers on one run: `kfleet apply` on etcd (the leader) and two `kfleet worker`s,
// each in its own working directory, share a rollout of 12 lab hosts. Judged by the lab's witness:
// every host rebooted exactly once into the desired command line, never more than
// reboot.max_parallel hosts down at once fleet-wide; and the work was shared (every controller
// settled hosts). A worker on a state directory is refused.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { controlRequest } from '../../src/lab/control.js';
import { journalPath, readJournal, replay } from '../../src/rollout/journal.js';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { fleetTestimony } from './support/fleet-witness.js';
import { kfleetStart } from '../rollout/support.js';

const cli = (args: string[], cwd: string, env: Record<string, string> = {}) => kfleetStart(args, env, cwd);
const HOSTS = 12;
const DOWNTIME = 1000;
const MAX_PARALLEL = 2;

describe('e2e: a leader and two workers on one run (etcd)', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-e2e-workers-'));
  const labDir = join(dir, 'lab');
  const cwds = ['a', 'b', 'c'].map((n) => join(dir, `bastion-${n}`));
  let etcd: EtcdCluster;
  let inv: string[];

  before(async () => {
    for (const c of cwds) mkdirSync(c);
    etcd = await startEtcd(1);
    const r = await cli(['lab', 'up', '--detach', '--state-dir', labDir, '--hosts', String(HOSTS), '--profile', 'alinux-5.10.134-17', '--downtime-ms', String(DOWNTIME)], dir).done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const s = await controlRequest<{ inventory: string; knownHosts: string }>(labDir, '/status');
    inv = ['-i', s.inventory, '--known-hosts', s.knownHosts];
    const play = {
      name: 'workers',
      hosts: 'lab',
      kfence: { mode: 'sampling', sample_interval: 250, apply: 'boot' },
      rollout: { phases: [1, '100%'], forks: 3, max_fail_percentage: 0, soak: '3s', health: { unexpected_reboot: 'fail', kfence_bugs: 'report' } },
      reboot: { allowed: true, max_parallel: MAX_PARALLEL, timeout: '60s', stable_for: '0s' },
    };
    writeFileSync(join(cwds[0]!, 'play.yml'), stringify(play));
    for (const c of cwds.slice(1)) copyFileSync(join(cwds[0]!, 'play.yml'), join(c, 'play.yml'));
  });

  after(async () => {
    await cli(['lab', 'down', '--state-dir', labDir], dir).done;
    await etcd?.stop();
  });

  it('shares the hosts of each phase among the controllers: every host rebooted once, max_parallel held fleet-wide', async () => {
    const url = etcd.url('team');
    const env = { KFLEET_STATE: url, KFLEET_LOCK_TTL: '6' };
    const since = Date.now();
    const lead = cli(['apply', 'play.yml', ...inv, '--yes', '--json'], cwds[0]!, env);
    const run = String((await lead.waitFor('run.start')).run);
    const workers = cwds.slice(1).map((c) => cli(['worker', run, 'play.yml', ...inv, '--json'], c, env));
    const [l, ...ws] = await Promise.all([lead.done, ...workers.map((w) => w.done)]);
    assert.equal(l!.code, 0, `leader: exit ${l!.code}\n${l!.stderr}`);
    for (const w of ws) assert.equal(w.code, 0, `worker: exit ${w.code}\n${w.stderr}\n${w.stdout.slice(-2000)}`);

    const st = replay(readJournal(journalPath(url, run)));
    assert.equal(st.end?.verdict, 'converged');
    const settledBy = [l!, ...ws].map((r) => r.events.filter((e) => e.type === 'host.result').map((e) => String(e.host)));
    const all = settledBy.flat();
    assert.equal(new Set(all).size, HOSTS, `every host settled: ${JSON.stringify(settledBy)}`);
    assert.equal(all.length, HOSTS, `no host settled twice: ${JSON.stringify(settledBy)}`);
    for (const [i, s] of settledBy.entries()) assert.ok(s.length > 0, `controller ${i} settled no host: ${JSON.stringify(settledBy)}`);

    const w = await fleetTestimony(labDir, since, DOWNTIME);
    for (const h of w.hosts) {
      assert.equal(w.reboots.get(h.name), 1, `${h.name} rebooted ${w.reboots.get(h.name)} times`);
      assert.match(h.cmdline, /kfence\.sample_interval=250( |$)/, `${h.name}: ${h.cmdline}`);
      assert.equal(h.params.sample_interval, '250', `${h.name} live interval`);
      assert.equal(st.hosts.get(h.name)?.state, 'verified');
      assert.equal(st.hosts.get(h.name)?.boot_id, h.bootId);
    }
    assert.ok(w.maxDown <= MAX_PARALLEL, `${w.maxDown} hosts down at once (max_parallel ${MAX_PARALLEL})`);
    process.stdout.write(`      hosts settled per controller: ${settledBy.map((s) => s.length).join(', ')}; most hosts down at once: ${w.maxDown}\n`);
  });

  it('refuses a worker on a state directory (one controller only there)', async () => {
    const r = await cli(['worker', 'some-run', ...inv, '--state-dir', join(dir, 'local-state')], cwds[0]!).done;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /kfleet worker needs a shared state store/);
  });
});
