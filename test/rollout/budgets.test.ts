// Failure budgets at the boundary, through real runs against the lab: max_fail_percentage exactly
// met (the run goes on) and exceeded (it halts), max_failed_hosts across phases, and unreachable
// hosts (connections dropped, or the host stopped) counting as failed.
import assert from 'node:assert/strict';
import { kfleet, journalOf, mark, playbook, reboots, runIdOf, testLab, writePlaybook, writes, type TestLab } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

describe('failure budgets at the boundary (lab)', function () {
  this.timeout(120_000);
  let t: TestLab;
  afterEach(async () => t?.lab.stop());

  const apply = (pb: string) => kfleet(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json', '--connect-timeout', '3']);

  it('max_fail_percentage 20 with 1 of 5 unreachable: exactly met, the run goes on to phase 2 (and ends failed)', async () => {
    t = await testLab({ hosts: 8 });
    t.lab.hosts[0]!.fault('drop-connections');
    const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [5, '100%'], max_fail_percentage: 20, soak: '0s' } }));
    const seen = await witnessMark(t.lab);
    const r = await apply(pb);
    assert.equal(r.code, 1, r.stderr);
    const ends = r.events.filter((e) => e.type === 'phase.end');
    assert.deepEqual(ends.map((e) => [e.failed, e.verdict]), [[1, 'passed'], [0, 'passed']]);
    for (const h of t.lab.hosts.slice(1)) assert.equal(reboots(h), 1, `${h.name} rebooted ${reboots(h)} times`);
    const { state } = journalOf(t.stateDir, runIdOf(r));
    assert.equal(state.hosts.get('lab-001')!.state, 'unreachable');
    assert.equal(state.end?.verdict, 'halted');
    assert.match(state.end?.reason ?? '', /1 host\(s\) failed/);
    await assertWitness(t.lab, seen, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });

  it('max_fail_percentage 20 with 2 of 5 failed (one unreachable, one never back): exceeded, halts after phase 1', async () => {
    t = await testLab({ hosts: 8 });
    t.lab.hosts[0]!.fault('drop-connections');
    t.lab.hosts[1]!.fault('no-return');
    const before = mark(t.lab);
    const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [5, '100%'], max_fail_percentage: 20, soak: '0s' }, reboot: { timeout: '2s' } }));
    const seen = await witnessMark(t.lab);
    const r = await apply(pb);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.events.filter((e) => e.type === 'phase.start').length, 1);
    for (const h of t.lab.hosts.slice(5)) {
      assert.equal(reboots(h), 0, `${h.name} was rebooted`);
      assert.equal(writes(h), before.get(h.name)!.writes, `${h.name} was written to`);
    }
    const { state } = journalOf(t.stateDir, runIdOf(r));
    assert.equal(state.end?.verdict, 'halted');
    assert.match(state.end?.reason ?? '', /^2 of 5 hosts in the phase failed \(40%\), more than max_fail_percentage 20%/);
    await assertWitness(t.lab, seen, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
    t.lab.hosts[1]!.fault('none');
  });

  it('max_failed_hosts 1 across phases: one failure passes, the second (a stopped host) halts the run before phase 3', async () => {
    t = await testLab({ hosts: 6 });
    t.lab.hosts[0]!.fault('no-return');
    const before = mark(t.lab);
    const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [2, 2, '100%'], max_fail_percentage: 100, max_failed_hosts: 1, soak: '0s' }, reboot: { timeout: '2s' } }));
    const { kfleetStart } = await import('./support.js');
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json', '--connect-timeout', '3']);
    // lab-003 (phase 2) goes away for good once phase 1 started: it is unreachable when its turn comes.
    await c.waitFor('phase.start', (e) => e.phase === 1);
    await t.lab.hosts[2]!.stop();
    const r = await c.done;
    assert.equal(r.code, 1, r.stderr);
    const ends = r.events.filter((e) => e.type === 'phase.end');
    assert.deepEqual(ends.map((e) => [e.failed, e.verdict]), [[1, 'passed'], [1, 'halted']]);
    for (const h of t.lab.hosts.slice(4)) {
      assert.equal(reboots(h), 0, `${h.name} was rebooted`);
      assert.equal(writes(h), before.get(h.name)!.writes, `${h.name} was written to`);
    }
    const { state } = journalOf(t.stateDir, runIdOf(r));
    assert.equal(state.hosts.get('lab-003')!.state, 'unreachable');
    assert.match(state.end?.reason ?? '', /^2 hosts failed in this run, more than max_failed_hosts 1$/);
    await assertWitness(t.lab, seen, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
    t.lab.hosts[0]!.fault('none');
  });
});
