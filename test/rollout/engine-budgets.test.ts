// The rollout engine driven directly with a scripted fake fleet (no lab, no SSH): failure budgets
// at the boundary, after a phase and inside it (the breaker), with and without reboots. Each run
// takes milliseconds; the fake hosts' audit trails are the witness.
import assert from 'node:assert/strict';
import { FakeFleet } from './fake-fleet.js';

const phases = (...n: number[]) => n.map((count) => ({ kind: 'count' as const, count }));

describe('rollout engine: failure budgets (fake ports)', () => {
  let f: FakeFleet;
  afterEach(() => f?.cleanup());

  it('converges a fleet: every host rebooted exactly once and verified; a second run changes nothing', async () => {
    f = new FakeFleet(4);
    const s = await f.run(f.play({ rollout: { phases: phases(1, 3) } }));
    assert.equal(s.verdict, 'converged');
    assert.equal(s.exitCode, 0);
    assert.deepEqual(s.phases, [['h01'], ['h02', 'h03', 'h04']]);
    for (const h of f.hosts) {
      assert.equal(h.fires, 1, h.name);
      assert.equal(h.booted, 100, h.name);
    }
    assert.deepEqual(s.results.map((r) => r.status), ['rebooted', 'rebooted', 'rebooted', 'rebooted']);
    const again = await f.run(f.play());
    assert.equal(again.verdict, 'converged');
    assert.deepEqual(again.results.map((r) => r.status), ['ok', 'ok', 'ok', 'ok']);
    assert.equal(f.hosts.reduce((n, h) => n + h.fires, 0), 4);
  });

  it('max_fail_percentage 20, 1 of 5 failed: exactly met, the run goes on to phase 2 (and ends halted: a host failed)', async () => {
    f = new FakeFleet(8, { value: 100, via: 'live' }, { 1: { applyFails: true } });
    const s = await f.run(f.play({ rollout: { phases: phases(5, 3), max_fail_percentage: 20, forks: 1 } }));
    const ends = f.events.filter((e) => e.type === 'phase.end');
    assert.deepEqual(ends.map((e) => e.type === 'phase.end' && [e.failed, e.verdict]), [[1, 'passed'], [0, 'passed']]);
    assert.equal(s.verdict, 'halted');
    assert.equal(s.reason, '1 host(s) failed');
    for (const h of f.hosts.slice(1)) assert.equal(h.live, 100, h.name);
  });

  it('max_fail_percentage 20, 2 of 5 failed with forks 1: the breaker trips at the second failure, the rest of the phase never starts', async () => {
    f = new FakeFleet(8, { value: 100, via: 'live' }, { 1: { applyFails: true }, 2: { applyFails: true } });
    const s = await f.run(f.play({ rollout: { phases: phases(5, 3), max_fail_percentage: 20, forks: 1 } }));
    assert.equal(s.verdict, 'halted');
    assert.equal(s.exitCode, 1);
    assert.match(s.reason!, /^2 of 5 hosts in the phase failed \(40%\), more than max_fail_percentage 20%; the breaker kept 3 host\(s\) of the phase from starting$/);
    for (const h of f.hosts.slice(2)) {
      assert.equal(h.writes, 0, `${h.name} was written to`);
      assert.equal(h.connects, 1, `${h.name}: only its probe connected`);
    }
    assert.equal(s.counts.untouched, 6);
    assert.equal(f.events.filter((e) => e.type === 'phase.start').length, 1);
    const j = f.journal(s.run);
    assert.equal(j.phaseStates.get(0), 'halted');
    assert.equal(j.end?.verdict, 'halted');
    for (const h of ['h03', 'h04', 'h05']) assert.equal(j.hosts.get(h), undefined, `${h} has a journal record`);
  });

  it('max_fail_percentage 0: the first failure trips the breaker (forks 2: the host in flight finishes its step)', async () => {
    f = new FakeFleet(6, { value: 100, via: 'live' }, { 1: { applyFails: true } });
    const s = await f.run(f.play({ rollout: { phases: phases(6), max_fail_percentage: 0, forks: 2 } }));
    assert.equal(s.verdict, 'halted');
    // h02 was started alongside h01 and finished; h03.. never started.
    assert.equal(f.host('h02').live, 100);
    assert.equal(s.results.find((r) => r.host === 'h02')?.status, 'changed');
    for (const h of f.hosts.slice(2)) assert.equal(h.writes, 0, h.name);
    assert.match(s.reason!, /max_fail_percentage 0%; the breaker kept 4 host\(s\)/);
  });

  it('max_failed_hosts 1 across phases: one failure passes, the second trips the run budget inside phase 2', async () => {
    f = new FakeFleet(7, { value: 100, via: 'live' }, { 1: { applyFails: true }, 3: { applyFails: true } });
    const s = await f.run(f.play({ rollout: { phases: phases(2, 5), max_fail_percentage: 100, max_failed_hosts: 1, forks: 1 } }));
    assert.equal(s.verdict, 'halted');
    assert.match(s.reason!, /^2 hosts failed in this run, more than max_failed_hosts 1; the breaker kept 4 host\(s\) of the phase from starting$/);
    for (const h of f.hosts.slice(3)) assert.equal(h.writes, 0, h.name);
  });

  it('max_failed_hosts exactly met (1 failure, budget 1): no halt, every host is worked on', async () => {
    f = new FakeFleet(5, { value: 100, via: 'live' }, { 2: { applyFails: true } });
    const s = await f.run(f.play({ rollout: { phases: phases(5), max_fail_percentage: 100, max_failed_hosts: 1, forks: 1 } }));
    assert.equal(s.reason, '1 host(s) failed');
    for (const h of f.hosts.filter((x) => x.name !== 'h02')) assert.equal(h.live, 100, h.name);
  });

  it('reboot phase with max_parallel 1: a reboot that never returns trips the breaker; staged hosts are not rebooted and are reported pending', async () => {
    f = new FakeFleet(5, { value: 100, via: 'boot' }, { 1: { neverReturns: true } });
    const s = await f.run(f.play({ rollout: { phases: phases(5), max_fail_percentage: 0, forks: 5 }, reboot: { max_parallel: 1, timeout_ms: 5000 } }));
    assert.equal(s.verdict, 'halted');
    assert.match(s.reason!, /^1 of 5 hosts in the phase failed \(20%\), more than max_fail_percentage 0%/);
    assert.equal(f.host('h01').fires, 1);
    for (const h of f.hosts.slice(1)) {
      assert.equal(h.fires, 0, `${h.name} was rebooted`);
      assert.equal(h.booted, 0, h.name);
      const r = s.results.find((x) => x.host === h.name)!;
      assert.equal(r.status, 'pending_reboot');
      assert.equal(r.pending_reboot, true);
    }
    const j = f.journal(s.run);
    assert.equal(j.hosts.get('h01')!.state, 'failed');
    assert.equal(j.hosts.get('h02')!.state, 'pending_reboot');
    assert.match(j.hosts.get('h02')!.detail!, /the reboot was not started: 1 of 5 hosts/);
  });

  it('reboot phase with max_parallel 2 and max_fail_percentage 40: one failed reboot is within budget, every host reboots', async () => {
    f = new FakeFleet(5, { value: 100, via: 'boot' }, { 2: { neverReturns: true } });
    const s = await f.run(f.play({ rollout: { phases: phases(5), max_fail_percentage: 40 }, reboot: { max_parallel: 2, timeout_ms: 5000 } }));
    assert.equal(s.reason, '1 host(s) failed');
    for (const h of f.hosts.filter((x) => x.name !== 'h02')) assert.equal(h.booted, 100, h.name);
  });
});
