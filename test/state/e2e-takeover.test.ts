// Two controllers in two working directories share one etcd: the second `apply` is refused with
// the first's details; the first is SIGKILLed mid-rollout (a host between reboots); a
// `--resume` from the second directory takes the run over when the dead controller's lease lapses
// and finishes it. Judged by the lab's witness (boot counts, command lines, live values), not by kfleet.
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { controlRequest, type HostStatus } from '../../src/lab/control.js';
import { journalPath, readJournal, replay } from '../../src/rollout/journal.js';
import { readLock } from '../../src/rollout/lock.js';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { kfleetStart } from '../rollout/support.js';

const cli = (args: string[], cwd: string, env: Record<string, string> = {}) => kfleetStart(args, env, cwd);

const HOSTS = 6;
const TTL = 6;

describe('e2e: two controllers on one etcd, takeover after SIGKILL', function () {
  this.timeout(300_000);
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-e2e-etcd-'));
  const labDir = join(dir, 'lab');
  const cwdA = join(dir, 'bastion-a');
  const cwdB = join(dir, 'bastion-b');
  let etcd: EtcdCluster;
  let inv: string[];
  const status = async () => (await controlRequest<{ hosts: HostStatus[] }>(labDir, '/status')).hosts;

  before(async () => {
    mkdirSync(cwdA);
    mkdirSync(cwdB);
    etcd = await startEtcd(1);
    const up = cli(['lab', 'up', '--detach', '--state-dir', labDir, '--hosts', String(HOSTS), '--profile', 'alinux-5.10.134-17', '--downtime-ms', '1200'], dir);
    const r = await up.done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const s = await controlRequest<{ inventory: string; knownHosts: string }>(labDir, '/status');
    inv = ['-i', s.inventory, '--known-hosts', s.knownHosts];
    const play = {
      name: 'takeover',
      hosts: 'lab',
      kfence: { mode: 'sampling', sample_interval: 250, apply: 'boot' },
      rollout: { phases: [1, '100%'], forks: 6, max_fail_percentage: 0, soak: '500ms', health: { unexpected_reboot: 'fail', kfence_bugs: 'report' } },
      reboot: { allowed: true, max_parallel: 1, timeout: '30s', stable_for: '0s' },
    };
    writeFileSync(join(cwdA, 'play.yml'), stringify(play));
    copyFileSync(join(cwdA, 'play.yml'), join(cwdB, 'play.yml')); // the same playbook, checked out elsewhere
  });

  after(async () => {
    await cli(['lab', 'down', '--state-dir', labDir], dir).done;
    await etcd?.stop();
  });

  it('refuses the second apply with the first one\'s details, then resumes from the other directory and finishes: no host rebooted twice', async () => {
    const url = etcd.url('team');
    const env = { KFLEET_LOCK_TTL: String(TTL) };
    const boots0 = new Map((await status()).map((h) => [h.name, h.bootCount]));
    // Bastion A: the global --state option; bastion B: KFLEET_STATE.
    const a = cli(['--state', url, 'apply', 'play.yml', ...inv, '--yes', '--json'], cwdA, env);
    const start = await a.waitFor('run.start');
    const run = String(start.run);
    await a.waitFor('phase.start', (e) => e.phase === 2);

    const b = await cli(['apply', 'play.yml', ...inv, '--yes', '--json'], cwdB, { ...env, KFLEET_STATE: url }).done;
    assert.equal(b.code, 5, `second apply: exit ${b.code}\n${b.stderr}`);
    const owner = readLock(url)!;
    for (const want of [`run ${run}`, `pid ${a.pid}`, `on ${hostname()}`, `user ${owner.user}`, `since ${owner.since}`]) assert.ok(b.stderr.includes(want), `refusal lacks "${want}": ${b.stderr}`);

    // From the other directory: the run is listed as running on A's machine, and can be watched.
    const runs = await cli(['runs', '--json'], cwdB, { KFLEET_STATE: url }).done;
    const row = (JSON.parse(runs.stdout) as { runs: Array<{ run: string; verdict: string; controller: { pid: number } | null }> }).runs.find((x) => x.run === run);
    assert.equal(row?.verdict, 'running');
    assert.equal(row?.controller?.pid, a.pid);
    const watch = cli(['watch', run], cwdB, { KFLEET_STATE: url });

    // Kill A while phase 2 reboots hosts one at a time (max_parallel 1).
    await a.waitFor('host.reboot', (e) => e.stage === 'up', 120_000);
    process.kill(a.pid, 'SIGKILL');
    const killedAt = Date.now();
    await a.done;
    const mid = replay(readJournal(journalPath(url, run)));
    assert.equal(mid.end, null, 'A finished before it was killed; the test proves nothing');

    const resume = cli(['apply', '--resume', run, 'play.yml', ...inv, '--json'], cwdB, { ...env, KFLEET_STATE: url });
    let tookOverAt = 0;
    let freedAt = 0;
    let over = false;
    const poll = (async () => {
      while (!over && !tookOverAt) {
        const o = readLock(url);
        if (!freedAt && o?.pid !== a.pid) freedAt = Date.now();
        if (o?.pid === resume.pid) tookOverAt = Date.now();
        await new Promise((res) => setTimeout(res, 100));
      }
    })();
    const r = await resume.done;
    over = true;
    await poll;
    const finishedAt = Date.now();
    assert.equal(r.code, 0, `resume: exit ${r.code}\n${r.stderr}\n${r.stdout.slice(-3000)}`);
    const records = readJournal(journalPath(url, run));
    const st = replay(records);
    assert.equal(st.end?.verdict, 'converged');
    // The dead controller's lock lapses within one TTL (+ etcd's 500 ms expiry tick) of the kill; B
    // holds it as soon as it has started (node's start alone takes seconds on a loaded machine).
    assert.ok(tookOverAt > 0 && freedAt > 0, 'never saw B holding the lock');
    const freedMs = freedAt - killedAt;
    const takeoverMs = tookOverAt - killedAt;
    assert.ok(freedMs <= TTL * 1000 + 1500, `the lock lapsed ${freedMs} ms after the kill (TTL ${TTL} s)`);

    // The witness: every host booted exactly once in this run, with the desired argument live.
    for (const h of await status()) {
      assert.equal(h.state, 'up');
      assert.equal(h.bootCount - boots0.get(h.name)!, 1, `${h.name} booted ${h.bootCount - boots0.get(h.name)!} times`);
      assert.match(h.cmdline, /kfence\.sample_interval=250( |$)/, `${h.name}: ${h.cmdline}`);
      assert.equal(h.kfence.sampleInterval, '250', `${h.name} live interval`);
      assert.equal(st.hosts.get(h.name)?.state, 'verified');
      assert.equal(st.hosts.get(h.name)?.boot_id, h.bootId);
    }
    assert.equal(readLock(url), null, 'the lock is released at the end');
    const w = await watch.done;
    assert.equal(w.code, 0, w.stderr);
    assert.match(w.stdout, new RegExp(`run ${run}: apply takeover, ${HOSTS} hosts`));
    assert.match(w.stdout, /end: converged \(exit 0\)\n$/);
    assert.equal((w.stdout.match(/ verified$/gm) ?? []).length, HOSTS, 'watch followed every host to verified across the takeover');
    process.stdout.write(`      lock free ${freedMs} ms, taken over ${takeoverMs} ms after the kill, run finished ${finishedAt - killedAt} ms after it (TTL ${TTL} s)\n`);
  });
});
