// Soak gates and the panic guard against the lab: a KFENCE bug injected during the soak halts the
// run with kfence_bugs: fail and is listed with report; a fault=panic canary that boot-loops is
// reverted to its previous args and quarantined, and the run halts.
import assert from 'node:assert/strict';
import type { LabHost } from '../../src/lab/host.js';
import { journalOf, kfleetStart, mark, playbook, reboots, runIdOf, testLab, writePlaybook, writes, type CliResult, type TestLab } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

describe('soak gates and the panic guard (lab)', function () {
  this.timeout(120_000);
  let t: TestLab;

  /** The run failed (exit 1) with lab-001 reverted by the panic guard and booted with its previous args again. */
  function assertReverted(r: CliResult, canary: LabHost, argsBefore: string) {
    assert.equal(r.code, 1, r.stderr + r.stdout.slice(-3000));
    const { state } = journalOf(t.stateDir, runIdOf(r));
    const s = state.hosts.get('lab-001')!;
    assert.equal(s.state, 'reverted', JSON.stringify(s.error));
    assert.equal(s.error?.code, 'BOOT_LOOP_REVERTED');
    assert.equal(canary.cmdline().replace(/^BOOT_IMAGE=\S+ /, ''), argsBefore, 'booted with the previous args again');
    return { state, s };
  }
  afterEach(async () => t?.lab.stop());

  for (const policy of ['fail', 'report'] as const) {
    it(`a KFENCE bug during the canary's soak with kfence_bugs: ${policy}`, async () => {
      t = await testLab({ hosts: 3 });
      const before = mark(t.lab);
      const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [1, '100%'], soak: '2s', health: { unexpected_reboot: 'fail', kfence_bugs: policy } } }));
      const seen = await witnessMark(t.lab);
      const c = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
      await c.waitFor('phase.soak', (e) => e.phase === 1);
      assert.equal(t.lab.hosts[0]!.inject('use-after-free'), 'reported');
      const r = await c.done;
      const findings = r.events.filter((e) => e.type === 'host.finding');
      assert.equal(findings.length, 1, 'the finding is listed');
      assert.equal(findings[0]!.host, 'lab-001');
      assert.match(String(findings[0]!.summary), /^KFENCE: use-after-free (read|write) in \S+/);
      const { state, records } = journalOf(t.stateDir, runIdOf(r));
      assert.ok(records.some((x) => x.t === 'finding' && x.host === 'lab-001' && /use-after-free/.test(x.summary)), 'the journal lists the finding');
      if (policy === 'fail') {
        assert.equal(r.code, 1, r.stderr);
        assert.equal(state.end?.verdict, 'halted');
        assert.equal(state.hosts.get('lab-001')!.error?.code, 'KFENCE_FINDING');
        for (const h of t.lab.hosts.slice(1)) {
          assert.equal(reboots(h), 0);
          assert.equal(writes(h), before.get(h.name)!.writes);
        }
      } else {
        assert.equal(r.code, 0, r.stderr);
        assert.equal(state.end?.verdict, 'converged');
        for (const h of t.lab.hosts) assert.equal(reboots(h), 1);
      }
      const seenRun = await c.done;
      await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
    });
  }

  it('a fault=panic canary that boot-loops is reverted to its previous args, quarantined, and the run halts', async () => {
    t = await testLab({ hosts: 3 });
    const canary = t.lab.hosts[0]!;
    const argsBefore = canary.cmdline().replace(/^BOOT_IMAGE=\S+ /, '');
    canary.fault('boot-loop', { ms: 400 });
    const before = mark(t.lab);
    const pb = writePlaybook(t.dir, playbook({ kfence: { fault: 'panic', acknowledge_panic: true }, rollout: { phases: [1, '100%'], soak: '1s' }, reboot: { stable_for: '1500ms', timeout: '20s' } }));
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    const { state } = assertReverted(await c.done, canary, argsBefore);
    assert.equal(state.end?.verdict, 'halted');
    assert.ok(canary.audit.some((e) => e.kind === 'boot' && e.reason === 'panic'), 'the lab saw the panic');
    for (const h of t.lab.hosts.slice(1)) {
      assert.equal(reboots(h), 0);
      assert.equal(writes(h), before.get(h.name)!.writes);
    }
    // Quarantined: a new apply leaves the host alone (refused) until the quarantine is lifted.
    canary.fault('none');
    const again = await kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json', '--limit', 'lab-001']).done;
    const res = again.events.find((e) => e.type === 'host.result' && e.host === 'lab-001');
    assert.equal(res?.status, 'refused', again.stdout.slice(-2000));
    assert.match(JSON.stringify(res?.error), /QUARANTINED/);
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });

  it('a KFENCE panic in the first boot with the new args, before kfleet reconnects, is found in journalctl -k -b -1 and reverted', async () => {
    t = await testLab({ hosts: 1 });
    const canary = t.lab.hosts[0]!;
    const argsBefore = canary.cmdline().replace(/^BOOT_IMAGE=\S+ /, '');
    const pb = writePlaybook(t.dir, playbook({ kfence: { fault: 'panic', acknowledge_panic: true }, rollout: { phases: ['100%'], soak: '0s' }, reboot: { stable_for: '0s', timeout: '20s' } }));
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    await c.waitFor('host.reboot', (e) => e.stage === 'fire');
    // The first boot with fault=panic hits a bug at once (one panic, then the host stays up):
    // kfleet only ever sees the boot after it, so only the previous boot's log tells.
    const boots = canary.bootCount;
    while (canary.bootCount === boots || canary.state !== 'up') await new Promise((r) => setTimeout(r, 2));
    assert.equal(canary.inject('use-after-free'), 'panic');
    const r = await c.done;
    assert.equal(r.code, 1, r.stderr + r.stdout.slice(-3000));
    const s = journalOf(t.stateDir, runIdOf(r)).state.hosts.get('lab-001')!;
    assert.equal(s.state, 'reverted', JSON.stringify(s.error));
    assert.match(s.error?.message ?? '', /ended in a KFENCE panic: Kernel panic - not syncing: kfence/);
    assert.equal(canary.cmdline().replace(/^BOOT_IMAGE=\S+ /, ''), argsBefore);
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });

  it('fault=panic: a host that starts boot-looping on a KFENCE bug during the soak is reverted and quarantined', async () => {
    t = await testLab({ hosts: 2 });
    const canary = t.lab.hosts[0]!;
    const argsBefore = canary.cmdline().replace(/^BOOT_IMAGE=\S+ /, '');
    const pb = writePlaybook(t.dir, playbook({ kfence: { fault: 'panic', acknowledge_panic: true }, rollout: { phases: ['100%'], soak: '3s', max_fail_percentage: 50 }, reboot: { stable_for: '500ms', timeout: '20s', max_parallel: 2 } }));
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    await c.waitFor('phase.soak', (e) => e.phase === 1);
    // From now on the bug recurs on every boot with fault=panic: the host panics, boots, panics...
    canary.fault('boot-loop', { ms: 300 });
    assert.equal(canary.inject('use-after-free'), 'panic');
    const { state, s } = assertReverted(await c.done, canary, argsBefore);
    assert.match(s.error?.message ?? '', /during the soak/);
    assert.equal(state.hosts.get('lab-002')!.state, 'verified');
    const q = await kfleetStart(['quarantine', '--state-dir', t.stateDir, '--json']).done;
    assert.match(q.stdout, /lab-001/);
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });

  it('fault=panic: a host that crashes once during the soak for another reason keeps its verdict (not reverted)', async () => {
    t = await testLab({ hosts: 1 });
    const canary = t.lab.hosts[0]!;
    const pb = writePlaybook(t.dir, playbook({ kfence: { fault: 'panic', acknowledge_panic: true }, rollout: { phases: ['100%'], soak: '3s' }, reboot: { stable_for: '500ms', timeout: '10s' } }));
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    await c.waitFor('phase.soak', (e) => e.phase === 1);
    const cmdline = canary.cmdline();
    await canary.crash();
    const r = await c.done;
    assert.equal(r.code, 1, r.stderr + r.stdout.slice(-3000));
    const s = journalOf(t.stateDir, runIdOf(r)).state.hosts.get('lab-001')!;
    assert.match(`${s.state} ${s.error?.code}`, /^(failed UNEXPECTED_REBOOT|unreachable UNREACHABLE)$/);
    assert.equal(canary.cmdline(), cmdline, 'the new args stay');
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });

  it('a host whose commands hang past --command-timeout during the soak fails with TIMEOUT', async () => {
    t = await testLab({ hosts: 2, profile: 'upstream-6.12' });
    const slow = t.lab.hosts[0]!;
    const pb = writePlaybook(t.dir, playbook({ kfence: { apply: 'runtime' }, rollout: { phases: ['100%'], soak: '3s', max_fail_percentage: 50 } }));
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json', '--command-timeout', '3']);
    await c.waitFor('phase.soak', (e) => e.phase === 1);
    slow.fault('slow-command', { ms: 7000 });
    const r = await c.done;
    slow.fault('none');
    assert.equal(r.code, 1, r.stderr + r.stdout.slice(-3000));
    const st = journalOf(t.stateDir, runIdOf(r)).state;
    assert.equal(st.hosts.get('lab-001')!.state, 'failed');
    assert.equal(st.hosts.get('lab-001')!.error?.code, 'TIMEOUT');
    assert.equal(st.hosts.get("lab-002")!.state, "verified", JSON.stringify(st.hosts.get("lab-002")));
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });
});
