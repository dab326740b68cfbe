// Sessions and freshness in a rollout (lab): the controller holds at most `forks` SSH sessions at a
// time, not one per host for the whole run (each idle ssh2 session costs ~77 KiB of RSS), and a
// later phase plans from a probe taken when it starts, never from the one taken before the canary.
import assert from 'node:assert/strict';
import { journalOf, kfleetStart, playbook, runIdOf, testLab, writePlaybook, writes, type TestLab } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

describe('rollout sessions and fresh plans (lab)', function () {
  this.timeout(120_000);
  let t: TestLab;
  afterEach(async () => t?.lab.stop());

  it('holds at most about `forks` sessions at once, however many hosts', async () => {
    t = await testLab({ hosts: 8, profile: 'upstream-6.12' });
    const pb = writePlaybook(t.dir, playbook({ kfence: { apply: 'runtime' }, rollout: { phases: ['100%'], forks: 2, soak: '0s' } }));
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, t.lab.hosts.reduce((n, h) => n + h.openConnections, 0));
    }, 5);
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    const r = await c.done;
    clearInterval(sampler);
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    assert.equal(journalOf(t.stateDir, runIdOf(r)).state.end?.verdict, 'converged');
    // forks 2 (+1 for a close the lab has not seen yet); one session per host for the run would be 8.
    assert.ok(peak >= 1 && peak <= 3, `peak open sessions ${peak}`);
    assert.equal(t.lab.hosts.reduce((n, h) => n + h.openConnections, 0), 0, 'all closed at the end');
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });

  it('a later phase plans from a fresh probe: a host fixed by hand during the canary soak is left alone', async () => {
    t = await testLab({ hosts: 2, profile: 'upstream-6.12' });
    const [canary, other] = t.lab.hosts as [typeof t.lab.hosts[0], typeof t.lab.hosts[0]];
    const pb = writePlaybook(t.dir, playbook({ kfence: { apply: 'runtime' }, rollout: { phases: [1, '100%'], soak: '2s' } }));
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    await c.waitFor('phase.soak', (e) => e.phase === 1);
    // An operator sets the other host to the desired interval by hand while the canary soaks.
    const fix = await other.run('echo 200 > /sys/module/kfence/parameters/sample_interval');
    assert.equal(fix.exitCode, 0, fix.stderr);
    const writesAfterFix = writes(other);
    const r = await c.done;
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
    const res = r.events.find((e) => e.type === 'host.result' && e.host === other.name);
    assert.equal(res?.status, 'ok', 'nothing to do any more: not changed again');
    assert.equal(writes(other), writesAfterFix, 'kfleet wrote nothing to the host fixed by hand');
    assert.equal(journalOf(t.stateDir, runIdOf(r)).state.hosts.get(other.name)?.state, 'unchanged');
    assert.ok(writes(canary) > 0);
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb, tampered: [other.name] });
  });
});
