// Jepsen-style: three controllers (the leader's `apply` and two `kfleet worker`s) on one run of 60
// lab hosts with reboots, on a three-member etcd cluster, under a seeded schedule of faults:
// SIGKILL of a controller (restarted in its role: `apply --resume` or `worker`), SIGSTOP of one for
// longer than its lease then SIGCONT (it must stop with LOCK_LOST, having done nothing), one etcd
// member killed mid-run, and the etcd majority taken away for a while (controllers must act on no
// host meanwhile, and go on when it returns). Two hosts never come back from their reboot (lab
// fault no-return). Invariants from the lab's witness, not from kfleet: no host rebooted twice;
// never more than reboot.max_parallel hosts down at once; the failures within budget and each with
// its cause; every other host converged (the live command line and parameter); nothing done on any
// host while etcd had no majority (after the lease's grace); the journal replays to the end.
// KFLEET_JEPSEN_SEED=N replays a schedule; the seed is printed.
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { controlRequest } from '../../src/lab/control.js';
import { journalPath, readJournal, replay } from '../../src/rollout/journal.js';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { fleetTestimony } from './support/fleet-witness.js';
import { kfleetStart, type CliRun } from '../rollout/support.js';
import type { CliResult } from '../rollout/support.js';

const HOSTS = 60;
const DOWNTIME = 1200;
const MAX_PARALLEL = 3;
const TTL = 8; // well above etcd3's 5 s call deadline: a call to a member that just died fails over only after it (README)
const MAX_FAILED = 3;
/** Longer than the lease's grace (TTL + 1 s), so that a window remains where nothing may happen. */
const OUTAGE_MS = 16_000;
const SEED = Number(process.env.KFLEET_JEPSEN_SEED ?? Math.floor(Math.random() * 2 ** 31));

function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Controller {
  role: 'leader' | 'worker';
  cli: CliRun;
  /** Set when the test stopped or killed it: its exit is expected. */
  expected: 'kill' | 'stop' | null;
  result?: CliResult;
}

describe('jepsen: three controllers on one run under kills, pauses and etcd failures', function () {
  this.timeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-jepsen-'));
  const labDir = join(dir, 'lab');
  let etcd: EtcdCluster;
  let inv: string[];
  const started: CliRun[] = [];

  before(async () => {
    etcd = await startEtcd(3);
    const r = await kfleetStart(['lab', 'up', '--detach', '--state-dir', labDir, '--hosts', String(HOSTS), '--profile', 'alinux-5.10.134-17', '--downtime-ms', String(DOWNTIME)], {}, dir).done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    const s = await controlRequest<{ inventory: string; knownHosts: string }>(labDir, '/status');
    inv = ['-i', s.inventory, '--known-hosts', s.knownHosts];
    writeFileSync(
      join(dir, 'play.yml'),
      stringify({
        name: 'jepsen',
        hosts: 'lab',
        kfence: { mode: 'sampling', sample_interval: 250, apply: 'boot' },
        rollout: { phases: [3, '100%'], forks: 4, max_fail_percentage: 100, max_failed_hosts: MAX_FAILED, soak: '1s', health: { unexpected_reboot: 'fail', kfence_bugs: 'report' } },
        reboot: { allowed: true, max_parallel: MAX_PARALLEL, timeout: '20s', stable_for: '0s' },
      }),
    );
  });

  after(async () => {
    for (const c of started) {
      try {
        process.kill(c.pid, 'SIGCONT');
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
    await kfleetStart(['lab', 'down', '--state-dir', labDir], {}, dir).done;
    await etcd?.stop();
  });

  it('keeps every invariant (seeded schedule)', async () => {
    process.stdout.write(`      seed ${SEED} (KFLEET_JEPSEN_SEED=${SEED} replays this schedule)\n`);
    const rand = mulberry32(SEED);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
    const url = etcd.url('jepsen');
    // Controllers block (fail closed) rather than fail while etcd has no majority for up to a minute.
    const env = { KFLEET_STATE: url, KFLEET_LOCK_TTL: String(TTL), KFLEET_STATE_TIMEOUT: '60' };
    const status = await controlRequest<{ hosts: Array<{ name: string }> }>(labDir, '/status');
    const names = status.hosts.map((h) => h.name);
    const doomed = [...names.slice(3)].sort(() => rand() - 0.5).slice(0, 2); // not in the canary phase
    for (const host of doomed) await controlRequest(labDir, '/fault', { host, fault: 'no-return' });
    const since = Date.now();

    const spawnRole = (role: Controller['role'], run?: string): Controller => {
      const args = role === 'leader' ? (run ? ['apply', '--resume', run, 'play.yml', ...inv, '--json'] : ['apply', 'play.yml', ...inv, '--yes', '--json']) : ['worker', run!, 'play.yml', ...inv, '--json'];
      const cli = kfleetStart(args, env, dir);
      started.push(cli);
      const c: Controller = { role, cli, expected: null };
      void cli.done.then((r) => (c.result = r));
      return c;
    };
    const first = spawnRole('leader');
    const run = String((await first.cli.waitFor('run.start', () => true, 120_000)).run);
    const ctl: Controller[] = [first, spawnRole('worker', run), spawnRole('worker', run)];
    const retired: Controller[] = [];
    const ended = () => {
      try {
        return replay(readJournal(journalPath(url, run))).end !== null;
      } catch {
        return false;
      }
    };
    const replace = (i: number) => {
      retired.push(ctl[i]!);
      ctl[i] = spawnRole(ctl[i]!.role, run);
    };
    const log: string[] = [];
    const note = (s: string) => log.push(`${((Date.now() - since) / 1000).toFixed(1)}s ${s}`);

    /** Controller i, or null after replacing it when it had exited on its own (the test fails on that later). */
    const stillRunning = (i: number): Controller | null => {
      const c = ctl[i]!;
      if (!c.result) return c;
      note(`${c.role} ${i} (pid ${c.cli.pid}) had exited ${c.result.code}: ${c.result.stderr.trim().split('\n').pop()}`);
      replace(i);
      return null;
    };
    const killController = async () => {
      const i = Math.floor(rand() * 3);
      const c = stillRunning(i);
      if (!c) return;
      c.expected = 'kill';
      note(`SIGKILL ${c.role} ${i} (pid ${c.cli.pid})`);
      process.kill(c.cli.pid, 'SIGKILL');
      await c.cli.done;
      await sleep(rand() * 2000);
      replace(i);
    };
    const pauseController = async () => {
      const i = Math.floor(rand() * 3);
      const c = stillRunning(i);
      if (!c) return;
      c.expected = 'stop';
      note(`SIGSTOP ${c.role} ${i} (pid ${c.cli.pid}) for ${TTL + 3} s`);
      process.kill(c.cli.pid, 'SIGSTOP');
      await sleep((TTL + 3) * 1000);
      process.kill(c.cli.pid, 'SIGCONT');
      const r = await Promise.race([c.cli.done, sleep(90_000).then(() => null)]);
      assert.ok(r, `the ${c.role} woken after its lease expired did not stop`);
      note(`SIGCONT: it exited ${r.code}`);
      if (!ended()) {
        assert.equal(r.code, 5, `a ${c.role} woken after its lease expired: exit ${r.code}\n${r.stderr}`);
        assert.match(r.stderr, /lost (the fleet lock|its lease)/);
      }
      replace(i);
    };
    let outage = null as [number, number] | null;
    let down = null as number | null;
    const steps: Array<[string, () => Promise<void>]> = [
      ['kill a controller', killController],
      ['kill an etcd member', async () => {
        down = Math.floor(rand() * 3);
        note(`etcd member ${down} killed`);
        await etcd.kill(down);
      }],
      ['pause a controller', pauseController],
      ['restart the etcd member', async () => {
        note(`etcd member ${down} restarted`);
        await etcd.restart(down!);
        down = null;
      }],
      ['take the etcd majority away', async () => {
        const keep = Math.floor(rand() * 3);
        const gone = [0, 1, 2].filter((m) => m !== keep);
        const t0 = Date.now();
        for (const m of gone) await etcd.kill(m);
        note(`etcd majority gone (members ${gone.join(', ')})`);
        await sleep(OUTAGE_MS);
        const t1 = Date.now();
        await Promise.all(gone.map((m) => etcd.restart(m))); // together: one alone has no quorum to be healthy
        note('etcd majority back');
        outage = [t0, t1];
      }],
      ['kill a controller', killController],
      ['pause a controller', pauseController],
    ];
    let done = 0;
    for (const [, step] of steps) {
      await sleep(2000 + rand() * 3000);
      if (ended()) break;
      await step();
      done++;
    }
    note(`${done} of ${steps.length} faults done`);
    const deadline = Date.now() + 600_000;
    while (!ended() && Date.now() < deadline) {
      // A controller that exited on its own before the run ended is a failure of the test.
      for (const c of ctl) if (c.result && !c.expected && !ended()) assert.fail(`${c.role} pid ${c.cli.pid} exited ${c.result.code} mid-run\n${c.result.stderr}\n${log.join('\n')}`);
      await sleep(500);
    }
    const results = await Promise.all(ctl.map((c) => c.cli.done));
    process.stdout.write(log.map((l) => `      ${l}\n`).join(''));
    assert.ok(done >= 5, `the run ended after only ${done} faults (the majority outage must have happened): ${log.join('; ')}`);
    for (const [i, r] of results.entries()) {
      const okExit = ctl[i]!.role === 'leader' ? [1] : [0]; // the leader: 'halted', 2 hosts failed (EXIT.FAILED)
      assert.ok(okExit.includes(r.code ?? -1), `${ctl[i]!.role} ${i}: exit ${r.code}\n${r.stderr}`);
    }
    for (const c of retired) if (!c.expected) assert.fail(`${c.role} pid ${c.cli.pid} exited ${c.result?.code} on its own\n${c.result?.stderr}\n${log.join('\n')}`);

    const st = replay(readJournal(journalPath(url, run))); // the journal replays
    // The witness.
    const w = await fleetTestimony(labDir, since, DOWNTIME);
    for (const h of w.hosts) assert.ok((w.reboots.get(h.name) ?? 0) <= 1, `${h.name} rebooted ${w.reboots.get(h.name)} times`);
    assert.ok(w.maxDown <= MAX_PARALLEL, `${w.maxDown} hosts down at once (max_parallel ${MAX_PARALLEL})`);
    // Fail closed: once the lease's grace ran out, nothing was written and no reboot fired until etcd was back.
    const [t0, t1] = outage ?? [0, 0];
    assert.ok(outage, "the majority outage happened");
    const during = w.actions.filter((a) => a.time > t0 + TTL * 1000 + 1000 && a.time < t1);
    assert.deepEqual(during, [], 'hosts were acted on while etcd had no majority');
    let failed = 0;
    for (const h of w.hosts) {
      const rec = st.hosts.get(h.name);
      assert.ok((w.reboots.get(h.name) ?? 0) <= 1, `${h.name} rebooted ${w.reboots.get(h.name)} times`);
      if (doomed.includes(h.name)) {
        failed++;
        assert.equal(h.state, 'down', `${h.name} (no-return) is down`);
        assert.ok(rec?.state === 'failed' || rec?.state === 'unreachable', `${h.name}: ${JSON.stringify(rec)}`);
        assert.ok(rec?.error?.code, `${h.name} failed without a cause`);
        continue;
      }
      assert.equal(w.reboots.get(h.name), 1, `${h.name} rebooted ${w.reboots.get(h.name)} times`);
      assert.match(h.cmdline, /kfence\.sample_interval=250( |$)/, `${h.name}: ${h.cmdline}`);
      assert.equal(h.params.sample_interval, '250', `${h.name} live interval`);
      assert.equal(rec?.state, 'verified', `${h.name}: ${JSON.stringify(rec)}`);
      assert.equal(rec?.boot_id, h.bootId);
    }
    assert.ok(failed <= MAX_FAILED, `${failed} hosts failed (budget ${MAX_FAILED})`);
    const after = w.actions.filter((a) => a.time >= t1).length;
    process.stdout.write(`      ${HOSTS} hosts, ${failed} failed (no-return), most down at once ${w.maxDown}; ${after} host actions after the majority came back; ${retired.length} controllers replaced; run took ${Math.round((Date.now() - since) / 1000)} s\n`);
    // The journal replays; the verdict is the two doomed hosts' failures, no budget was exceeded.
    assert.ok(st.end, 'the run has an end record');
    const failures = [...st.hosts].filter(([, h]) => h.state === 'failed' || h.state === 'unreachable').map(([n, h]) => `${n}${doomed.includes(n) ? ' (no-return)' : ''}: ${h.state} ${h.error?.code} ${h.error?.message}`);
    process.stdout.write(failures.map((f) => `      failed ${f}\n`).join(''));
    assert.equal(st.end.verdict, 'halted');
    assert.match(st.end.reason ?? '', /^2 host\(s\) failed$/);
    for (let p = 0; p < st.phases.length; p++) assert.equal(st.phaseStates.get(p), 'done', `phase ${p + 1} ended ${st.phaseStates.get(p)}`);

  });
});
