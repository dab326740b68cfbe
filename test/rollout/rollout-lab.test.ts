// Issue 5 "Done when", against the lab, through the CLI as a child process: a three-phase
// boot-time rollout reboots each host exactly once and a re-run writes nothing; a canary that
// never returns halts the run with the other hosts untouched.
import assert from 'node:assert/strict';
import { kfleet, journalOf, mark, playbook, reboots, runIdOf, testLab, writePlaybook, writes, type TestLab } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

describe('rollout against the lab', function () {
  this.timeout(120_000);

  describe('three phases on 20 hosts', () => {
    let t: TestLab;
    before(async () => {
      t = await testLab({ hosts: 20 });
    });
    after(async () => t.lab.stop());

    it('reboots each host exactly once, verifies it, and a second apply changes nothing', async () => {
      const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [1, '25%', '100%'], soak: '1s' } }));
      const seen = await witnessMark(t.lab);
      const r = await kfleet(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
      assert.equal(r.code, 0, r.stderr + r.stdout.slice(-2000));
      const run = runIdOf(r);
      const starts = r.events.filter((e) => e.type === 'phase.start');
      assert.deepEqual(starts.map((e) => (e.hosts as string[]).length), [1, 5, 14]);
      for (const h of t.lab.hosts) {
        assert.equal(reboots(h), 1, `${h.name} booted ${reboots(h)} times`);
        assert.match(h.cmdline(), /kfence\.sample_interval=200/);
        assert.equal(h.kfence().sampleInterval, '200');
      }
      const { state } = journalOf(t.stateDir, run);
      assert.equal(state.end?.verdict, 'converged');
      for (const h of t.lab.hosts) {
        const s = state.hosts.get(h.name)!;
        assert.equal(s.state, 'verified');
        assert.equal(s.rebooted, true);
        assert.equal(s.boot_id, h.bootId, `${h.name}: the journal's verified boot id is the lab's current one`);
      }
      const verified = r.events.filter((e) => e.type === 'host.reboot' && e.stage === 'verified');
      assert.equal(verified.length, 20);

      const before = mark(t.lab);
      const seenAgain = await witnessMark(t.lab);
      const again = await kfleet(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
      assert.equal(again.code, 0, again.stderr);
      for (const h of t.lab.hosts) {
        assert.equal(writes(h), before.get(h.name)!.writes, `${h.name}: the second apply wrote something`);
        assert.equal(reboots(h), 1);
      }
      assert.equal(again.events.filter((e) => e.type === 'phase.start').length, 0, 'no phase when no host needs anything');
      const st2 = journalOf(t.stateDir, runIdOf(again)).state;
      assert.equal(st2.end?.verdict, 'converged');
      assert.ok([...st2.hosts.values()].every((h) => h.state === 'unchanged'));
      await assertWitness(t.lab, seen, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
      await assertWitness(t.lab, seenAgain, { exitCode: again.code, events: again.events, stdout: again.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
    });
  });

  describe('a canary that never returns', () => {
    let t: TestLab;
    before(async () => {
      t = await testLab({ hosts: 5 });
    });
    after(async () => t.lab.stop());

    it('halts after phase 1 within reboot.timeout, leaves the others untouched, exit 1, journal names the budget', async () => {
      t.lab.hosts[0]!.fault('no-return');
      const before = mark(t.lab);
      const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [1, '100%'] }, reboot: { timeout: '3s' } }));
      const t0 = Date.now();
      const seen = await witnessMark(t.lab);
      const r = await kfleet(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
      const took = Date.now() - t0;
      assert.equal(r.code, 1, r.stderr);
      const fire = r.events.find((e) => e.type === 'host.reboot' && e.stage === 'fire')!;
      const timeout = r.events.find((e) => e.type === 'host.reboot' && e.stage === 'timeout')!;
      assert.ok(fire && timeout, 'fire and timeout events');
      assert.ok((timeout.ms as number) >= 3000 && (timeout.ms as number) < 5000, `timed out after ${String(timeout.ms)} ms, reboot.timeout is 3 s`);
      assert.ok(took < 20_000, `the run took ${took} ms`);
      for (const h of t.lab.hosts.slice(1)) {
        assert.equal(writes(h), before.get(h.name)!.writes, `${h.name} was written to`);
        assert.equal(reboots(h), 0, `${h.name} was rebooted`);
      }
      assert.equal(r.events.filter((e) => e.type === 'phase.start').length, 1);
      const { state, records } = journalOf(t.stateDir, runIdOf(r));
      assert.equal(state.end?.verdict, 'halted');
      assert.match(state.end?.reason ?? '', /max_fail_percentage 0%/);
      const halted = records.find((x) => x.t === 'phase' && x.state === 'halted');
      assert.ok(halted && halted.t === 'phase' && /max_fail_percentage/.test(halted.reason ?? ''));
      assert.equal(state.hosts.get('lab-001')!.error?.code, 'REBOOT_TIMEOUT');
      for (const h of t.lab.hosts.slice(1)) assert.equal(state.hosts.get(h.name)?.state, undefined, `${h.name} has a journal state`);
      await assertWitness(t.lab, seen, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
      t.lab.hosts[0]!.fault('none');
    });
  });
});
