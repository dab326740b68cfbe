// `kfleet apply plan.json` across phases and on --resume, against the lab: a host changed by hand
// after the plan was saved is refused PLAN_STALE in whatever phase it comes up (never re-planned),
// the run exits non-zero, and the lab's audit trail confirms nothing was written to that host
// after the hand change, nor was it rebooted.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EXIT } from '../../src/errors.js';
import type { LabHost } from '../../src/lab/index.js';
import { journalOf, kfleet, kfleetStart, playbook, reboots, runIdOf, testLab, writePlaybook, writes, type TestLab } from './support.js';

describe('a saved plan across phases and --resume (lab)', function () {
  this.timeout(120_000);
  let t: TestLab;
  afterEach(async () => t?.lab.stop());

  /** A boot-time change by hand that kfleet's plan did not see. */
  const byHand = async (h: LabHost) => {
    const r = await h.run(`grubby --update-kernel=ALL --args=by_hand=1`);
    assert.equal(r.exitCode, 0, r.stderr);
  };

  async function savedPlan(): Promise<{ pb: string; plan: string }> {
    const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [1, '100%'], soak: '3s' } }));
    const plan = join(t.dir, 'plan.json');
    const p = await kfleet(['plan', pb, ...t.common, '--out', plan]);
    assert.equal(p.code, 0, p.stderr + p.stdout);
    return { pb, plan };
  }

  it('a host changed by hand during the canary soak is refused PLAN_STALE in phase 2; exit non-zero; the witness saw no write to it', async () => {
    t = await testLab({ hosts: 2 });
    const { plan } = await savedPlan();
    const c = kfleetStart(['apply', plan, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    await c.waitFor('phase.soak', (e) => e.phase === 1);
    const h2 = t.lab.hosts[1]!;
    await byHand(h2);
    const marked = { writes: writes(h2), boots: reboots(h2) };
    const r = await c.done;
    assert.equal(r.code, EXIT.REFUSED, r.stderr + JSON.stringify(r.events.filter((e) => e.type === 'host.result')));
    const res = r.events.filter((e) => e.type === 'host.result');
    assert.deepEqual(res.map((e) => [e.host, e.status]), [['lab-001', 'rebooted'], ['lab-002', 'refused']]);
    assert.equal((res[1]!.error as { code: string }).code, 'PLAN_STALE');
    // The witness: lab-002 is as the hand left it; lab-001 was rolled.
    assert.equal(writes(h2), marked.writes, 'lab-002 was written to after the hand change');
    assert.equal(reboots(h2), marked.boots, 'lab-002 was rebooted');
    assert.match(await h2.readFile('/proc/cmdline'), /^(?!.*kfence\.sample_interval=200)/);
    assert.equal(reboots(t.lab.hosts[0]!), 1);
    assert.match(await t.lab.hosts[0]!.readFile('/proc/cmdline'), /kfence\.sample_interval=200/);
    const { state } = journalOf(t.stateDir, runIdOf(r));
    assert.equal(state.hosts.get('lab-002')!.state, 'refused');
    assert.equal(state.hosts.get('lab-002')!.error?.code, 'PLAN_STALE');
    assert.equal(state.end?.verdict, 'refused');
  });

  it('--resume of a plan-file run checks the plan again: the host changed while the controller was dead is refused PLAN_STALE', async () => {
    t = await testLab({ hosts: 2 });
    const { plan } = await savedPlan();
    const c = kfleetStart(['apply', plan, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    await c.waitFor('phase.soak', (e) => e.phase === 1);
    process.kill(c.pid, 'SIGKILL');
    const killed = await c.done;
    const run = runIdOf(killed);
    const h2 = t.lab.hosts[1]!;
    await byHand(h2);
    const marked = { writes: writes(h2), boots: reboots(h2) };
    const r = await kfleet(['apply', '--resume', run, ...t.common, '--state-dir', t.stateDir, '--json']);
    assert.equal(r.code, EXIT.REFUSED, r.stderr + JSON.stringify(r.events.filter((e) => e.type === 'host.result')));
    const res = r.events.filter((e) => e.type === 'host.result' && e.host === 'lab-002');
    assert.equal(res.length, 1);
    assert.equal((res[0]!.error as { code: string }).code, 'PLAN_STALE');
    assert.equal(writes(h2), marked.writes, 'lab-002 was written to after the hand change');
    assert.equal(reboots(h2), marked.boots, 'lab-002 was rebooted');
    assert.equal(reboots(t.lab.hosts[0]!), 1, 'the canary was rebooted exactly once across the kill and the resume');
    const { state } = journalOf(t.stateDir, run);
    assert.equal(state.hosts.get('lab-001')!.state, 'verified');
    assert.equal(state.hosts.get('lab-002')!.error?.code, 'PLAN_STALE');
    assert.equal(state.end?.exit_code, EXIT.REFUSED);
  });
});
