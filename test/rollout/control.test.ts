// Steering runs against the lab: promote: manual waits for `kfleet promote RUN`; a second apply on
// the same inventory is refused (exit 5) with the owner's details; `kfleet abort RUN` stops a run
// cleanly, also while hosts are rebooting; `kfleet rollback RUN` puts the hosts back.
import assert from 'node:assert/strict';
import { kfleet, kfleetStart, journalOf, mark, playbook, reboots, runIdOf, testLab, writePlaybook, writes, type TestLab } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

describe('promote, abort, lock and rollback (lab)', function () {
  this.timeout(120_000);
  let t: TestLab;
  afterEach(async () => t?.lab.stop());
  const state = () => ['--state-dir', t.stateDir];

  it('promote: manual waits after the canary; a second apply is refused with the owner; `kfleet promote` continues', async () => {
    t = await testLab({ hosts: 3 });
    const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [1, '100%'], promote: 'manual', soak: '0s' } }));
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, ...state(), '--yes', '--json']);
    const wait = await c.waitFor('phase.wait_promote');
    const run = String(wait.run);
    assert.equal(reboots(t.lab.hosts[0]!), 1);
    assert.equal(reboots(t.lab.hosts[1]!), 0);

    const second = await kfleet(['apply', pb, ...t.common, ...state(), '--yes']);
    assert.equal(second.code, 5, second.stderr + second.stdout);
    assert.match(second.stderr + second.stdout, new RegExp(`run ${run} \\(pid ${c.pid} on [^,]+, user [^,]+, since `));
    assert.match(second.stderr + second.stdout, new RegExp(`kfleet abort ${run}`));

    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(reboots(t.lab.hosts[1]!), 0, 'still waiting for promotion');
    const p = await kfleet(['promote', run, ...state()]);
    assert.equal(p.code, 0, p.stderr);
    const r = await c.done;
    assert.equal(r.code, 0, r.stderr);
    for (const h of t.lab.hosts) assert.equal(reboots(h), 1);
    const { records } = journalOf(t.stateDir, run);
    assert.deepEqual(records.filter((x) => x.t === 'phase' && x.index === 0).map((x) => x.t === 'phase' && x.state), ['start', 'applied', 'wait_promote', 'promoted', 'done']);
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });

  it('`kfleet abort` while waiting for promotion stops the run (exit 6) with the rest untouched', async () => {
    t = await testLab({ hosts: 3 });
    const before = mark(t.lab);
    const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [1, '100%'], promote: 'manual', soak: '0s' } }));
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, ...state(), '--yes', '--json']);
    const run = String((await c.waitFor('phase.wait_promote')).run);
    assert.equal((await kfleet(['abort', run, ...state()])).code, 0);
    const r = await c.done;
    assert.equal(r.code, 6, r.stderr);
    for (const h of t.lab.hosts.slice(1)) {
      assert.equal(reboots(h), 0);
      assert.equal(writes(h), before.get(h.name)!.writes);
    }
    const { state: st } = journalOf(t.stateDir, run);
    assert.equal(st.end?.verdict, 'aborted');
    // The lock is free again.
    const again = await kfleet(['apply', pb, ...t.common, ...state(), '--yes', '--json', '--check']);
    assert.notEqual(again.code, 5);
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });

  it('`kfleet abort` while hosts are rebooting: they finish and are verified, no new host is touched', async () => {
    t = await testLab({ hosts: 4 });
    for (const h of t.lab.hosts.slice(0, 2)) h.fault('slow-return', { ms: 2500 });
    const before = mark(t.lab);
    const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [2, '100%'], soak: '0s' } }));
    const seen = await witnessMark(t.lab);
    const c = kfleetStart(['apply', pb, ...t.common, ...state(), '--yes', '--json']);
    const fire = await c.waitFor('host.reboot', (e) => e.stage === 'fire');
    const run = String((await c.waitFor('run.start')).run);
    assert.equal((await kfleet(['abort', run, ...state()])).code, 0);
    const r = await c.done;
    assert.equal(r.code, 6, r.stderr);
    assert.ok(fire);
    const { state: st } = journalOf(t.stateDir, run);
    assert.equal(st.end?.verdict, 'aborted');
    for (const h of t.lab.hosts.slice(0, 2)) {
      assert.equal(reboots(h), 1, `${h.name} rebooted ${reboots(h)} times`);
      assert.equal(st.hosts.get(h.name)?.state, 'verified', `${h.name} left ${st.hosts.get(h.name)?.state}`);
    }
    for (const h of t.lab.hosts.slice(2)) {
      assert.equal(reboots(h), 0);
      assert.equal(writes(h), before.get(h.name)!.writes);
    }
    const seenRun = await c.done;
    await assertWitness(t.lab, seen, { exitCode: seenRun.code, events: seenRun.events, stdout: seenRun.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
  });

  it('`kfleet rollback RUN` puts args, live values and the booted command line back, rebooting where needed', async () => {
    t = await testLab({ hosts: 3 });
    const strip = (c: string) => c.replace(/^BOOT_IMAGE=\S+ /, '');
    const before = new Map(t.lab.hosts.map((h) => [h.name, { cmdline: strip(h.cmdline()), kfence: h.kfence() }]));
    const grubBefore = new Map<string, string>();
    for (const h of t.lab.hosts) grubBefore.set(h.name, (await h.run('grubby --info=ALL | grep ^args')).stdout);
    const pb = writePlaybook(t.dir, playbook({ kfence: { sample_interval: 150, fault: 'panic', acknowledge_panic: true }, rollout: { phases: ['100%'], soak: '0s' } }));
    const baseline = await witnessMark(t.lab);
    const r = await kfleet(['apply', pb, ...t.common, ...state(), '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr);
    await assertWitness(t.lab, baseline, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
    const run = runIdOf(r);
    for (const h of t.lab.hosts) assert.notEqual(strip(h.cmdline()), before.get(h.name)!.cmdline);
    const seen = await witnessMark(t.lab);
    const rb = await kfleet(['rollback', run, ...t.common, ...state(), '--json']);
    assert.equal(rb.code, 0, rb.stderr + rb.stdout.slice(-2000));
    for (const h of t.lab.hosts) {
      assert.equal(reboots(h), 2, `${h.name}: one reboot for the run, one for the rollback`);
      assert.equal(strip(h.cmdline()), before.get(h.name)!.cmdline);
      const k = h.kfence();
      const b = before.get(h.name)!.kfence;
      assert.deepEqual([k.enabled, k.sampleInterval, k.numObjects], [b.enabled, b.sampleInterval, b.numObjects]);
      assert.equal((await h.run('cat /sys/module/kfence/parameters/fault')).stdout.trim(), 'report');
      assert.equal((await h.run('grubby --info=ALL | grep ^args')).stdout, grubBefore.get(h.name));
    }
    await assertWitness(t.lab, seen, { exitCode: rb.code, events: rb.events, stdout: rb.stdout, journal: { stateDir: t.stateDir } }, { revertedTo: baseline });
  });
});
