// The in-phase budget breaker against the lab: one phase of 5 hosts, forks 2, reboots one at a
// time, max_fail_percentage 0. The canary's reboot never returns: the breaker trips, the host
// waiting for its reboot slot is not rebooted (reported pending, args written), the hosts never
// started are untouched in the lab's audit trail, and the run halts naming the budget.
import assert from 'node:assert/strict';
import { EXIT } from '../../src/errors.js';
import { journalOf, kfleet, mark, playbook, reboots, runIdOf, testLab, writePlaybook, writes, type TestLab } from './support.js';

describe('the in-phase budget breaker (lab)', function () {
  this.timeout(120_000);
  let t: TestLab;
  afterEach(async () => t?.lab.stop());

  it('a failed reboot stops the phase: no new host starts, no queued reboot fires, the witness agrees', async () => {
    t = await testLab({ hosts: 5 });
    t.lab.hosts[0]!.fault('no-return');
    const before = mark(t.lab);
    const pb = writePlaybook(t.dir, playbook({ rollout: { phases: ['100%'], forks: 2, max_fail_percentage: 0, soak: '0s' }, reboot: { max_parallel: 1, timeout: '3s' } }));
    const r = await kfleet(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json', '--connect-timeout', '3']);
    t.lab.hosts[0]!.fault('none');
    assert.equal(r.code, EXIT.FAILED, r.stderr);
    const status = new Map(r.events.filter((e) => e.type === 'host.result').map((e) => [String(e.host), String(e.status)]));
    // Which of the two first hosts gets the reboot slot first is a race; what follows is not.
    assert.equal(status.get('lab-001'), 'failed');
    const pending = [...status].filter(([, s]) => s === 'pending_reboot').map(([h]) => h);
    const rebooted = [...status].filter(([, s]) => s === 'rebooted').map(([h]) => h);
    const notStarted = t.lab.hosts.map((h) => h.name).filter((h) => !status.has(h));
    assert.equal(pending.length, 1, JSON.stringify([...status]));
    assert.equal(pending.length + rebooted.length + notStarted.length, 4);
    assert.ok(notStarted.length >= 2, `only ${notStarted.join(', ')} never started`);
    const { state } = journalOf(t.stateDir, runIdOf(r));
    // The witness, host by host.
    for (const name of pending) {
      const h = t.lab.host(name);
      assert.equal(reboots(h), 0, `${name} is reported pending but was rebooted`);
      assert.ok(writes(h) > before.get(name)!.writes, `${name} had its args written`);
      assert.doesNotMatch(await h.readFile('/proc/cmdline'), /kfence\.sample_interval=200/);
      assert.match(state.hosts.get(name)!.detail ?? '', /the reboot was not started: 1 of 5 hosts in the phase failed/);
    }
    for (const name of rebooted) {
      assert.equal(reboots(t.lab.host(name)), 1);
      assert.match(await t.lab.host(name).readFile('/proc/cmdline'), /kfence\.sample_interval=200/);
    }
    for (const name of notStarted) {
      const h = t.lab.host(name);
      assert.equal(reboots(h), 0, `${name} was rebooted`);
      assert.equal(writes(h), before.get(name)!.writes, `${name} was written to`);
      assert.equal(state.hosts.get(name), undefined, `${name} has a journal record`);
    }
    assert.equal(state.end?.verdict, 'halted');
    assert.equal(state.end?.reason, `1 of 5 hosts in the phase failed (20%), more than max_fail_percentage 0%; the breaker kept ${notStarted.length} host(s) of the phase from starting`);
    const end = r.events.find((e) => e.type === 'run.end')!;
    assert.equal((end.summary as Record<string, number>).untouched, notStarted.length);
  });
});
