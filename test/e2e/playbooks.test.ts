// Issue 4, "Done when" 1: against a lab with every profile, each example playbook applies; the
// second apply changes nothing and the lab's audit trail shows no write during it; --check writes
// nothing; hosts whose kernel cannot do the asked thing are refused at plan time and untouched.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { PROFILE_NAMES, startLab, type Lab } from '../../src/lab/index.js';
import type { PlanDocument } from '../../src/cli/commands/plan.js';
import { auditMark, events, kfleet, labPlaybook, tmp, writesSince } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

// Order matters only for speed: each playbook starts from the state the previous one left.
const EXAMPLES = ['online-sampling.yml', 'canary-sampling.yml', 'slab-full-mode.yml', 'demo-runtime.yml', 'demo.yml', 'offline-debug.yml', 'disable.yml'];

function checkPlanShape(doc: PlanDocument): void {
  assert.deepEqual(Object.keys(doc).sort(), ['hosts', 'summary']);
  for (const k of ['hosts', 'changed', 'unchanged', 'reboot_required', 'refused'] as const) assert.equal(typeof doc.summary[k], 'number', `summary.${k}`);
  assert.equal(doc.summary.hosts, doc.hosts.length);
  assert.equal(doc.summary.changed + doc.summary.unchanged + doc.summary.refused + doc.summary.unreachable, doc.summary.hosts);
  for (const h of doc.hosts) {
    assert.equal(typeof h.name, 'string');
    assert.ok(Array.isArray(h.changes) && Array.isArray(h.refused) && Array.isArray(h.warnings), h.name);
    assert.equal(typeof h.reboot_required, 'boolean');
    for (const r of h.refused) assert.ok(typeof r.code === 'string' && typeof r.message === 'string', JSON.stringify(r));
    for (const c of h.changes) assert.equal(typeof c, 'object');
  }
  assert.equal(doc.summary.refused, doc.hosts.filter((h) => h.refused.length > 0).length);
  assert.equal(doc.summary.reboot_required, doc.hosts.filter((h) => h.reboot_required && h.refused.length === 0).length);
}

describe('e2e: every example playbook against every profile', function () {
  this.timeout(120_000);
  let lab: Lab;
  let dir: string;
  let common: string[];

  before(async () => {
    dir = tmp('playbooks');
    // 32 GiB Alinux hosts: slab-full-mode's 2.3 GiB pool fits its 10% budget (at 16 GiB it is refused, as the playbook says).
    lab = await startLab({ mix: Object.fromEntries(PROFILE_NAMES.map((p) => [p, 1])), stateDir: dir, downtimeMs: 150, memory: (_n, p) => (p.startsWith('alinux') ? { totalMiB: 32768 } : {}) });
    common = ['-i', lab.inventoryPath, '--state-dir', join(dir, 'state')];
  });
  after(async () => lab?.stop());

  for (const example of EXAMPLES) {
    it(`${example}: plan, --check, apply, re-apply`, async () => {
      const file = labPlaybook(dir, example, 'lab');
      const names = lab.hosts.map((h) => h.name);

      // plan --json: the document shape; refusals are decided here, before anything runs.
      const p = await kfleet(['plan', file, ...common.slice(0, 2), '--json']);
      const doc = JSON.parse(p.stdout) as PlanDocument;
      checkPlanShape(doc);
      assert.deepEqual(doc.hosts.map((h) => h.name).sort(), names);
      assert.equal(doc.summary.unreachable, 0, p.stdout);
      const refused = new Set(doc.hosts.filter((h) => h.refused.length).map((h) => h.name));
      // Without KFENCE there is nothing to turn off; anything else is refused.
      if (example === 'disable.yml') assert.ok(!refused.has('lab-008'));
      else assert.equal(doc.hosts.find((h) => h.name === 'lab-008')!.refused[0]?.code, 'KFENCE_ABSENT');
      assert.equal(p.code, refused.size ? 4 : 0);

      // --check: nothing is written anywhere, and nobody reboots.
      let mark = auditMark(lab.hosts);
      const boots = lab.hosts.map((h) => h.bootCount);
      let seen = await witnessMark(lab);
      const c = await kfleet(['apply', file, ...common, '--check', '--json']);
      await assertWitness(lab, seen, { exitCode: c.code, events: events(c.stdout) }, { playbook: file });
      assert.deepEqual(writesSince(lab.hosts, mark), [], 'writes during --check');
      assert.deepEqual(lab.hosts.map((h) => h.bootCount), boots);
      assert.ok(c.code === 0 || c.code === 4 || c.code === 3, c.stdout);

      // apply: every host that is not refused converges; refused hosts are untouched.
      mark = auditMark(lab.hosts);
      seen = await witnessMark(lab);
      const a = await kfleet(['apply', file, ...common, '--yes', '--json']);
      await assertWitness(lab, seen, { exitCode: a.code, events: events(a.stdout), journal: { stateDir: join(dir, 'state') } }, { playbook: file });
      const results = new Map(events(a.stdout).filter((e) => e.type === 'host.result').map((e) => [e.host as string, e]));
      for (const n of names) {
        const r = results.get(n);
        assert.ok(r, `${n}: no result`);
        if (refused.has(n)) assert.equal(r.status, 'refused', `${n}: ${JSON.stringify(r)}`);
        else assert.ok(['ok', 'changed', 'rebooted'].includes(r.status as string), `${n}: ${JSON.stringify(r)}`);
      }
      const touched = writesSince(lab.hosts, mark);
      assert.deepEqual(touched.filter((w) => refused.has(w.host)), [], 'writes on refused hosts');
      for (const w of touched) assert.ok(w.ok, `a write failed: ${JSON.stringify(w)}`);
      for (const h of doc.hosts.filter((x) => !x.refused.length && x.changes.length)) assert.ok(touched.some((w) => w.host === h.name), `${h.name} planned changes but nothing was written`);
      assert.equal(a.code, refused.size ? 4 : 0, a.stdout.slice(-2000));

      // Again: nothing to change, not one write, no reboot.
      mark = auditMark(lab.hosts);
      const bootsBefore = lab.hosts.map((h) => h.bootCount);
      seen = await witnessMark(lab);
      const again = await kfleet(['apply', file, ...common, '--yes', '--json']);
      await assertWitness(lab, seen, { exitCode: again.code, events: events(again.stdout), journal: { stateDir: join(dir, 'state') } }, { playbook: file });
      const second = events(again.stdout).filter((e) => e.type === 'host.result');
      assert.equal(second.length, names.length);
      for (const r of second) assert.ok(r.status === 'ok' || (r.status === 'refused' && refused.has(r.host as string)), `second apply: ${JSON.stringify(r)}`);
      assert.deepEqual(writesSince(lab.hosts, mark), [], 'writes during the second apply');
      assert.deepEqual(lab.hosts.map((h) => h.bootCount), bootsBefore, 'reboots during the second apply');
      const p2 = JSON.parse((await kfleet(['plan', file, ...common.slice(0, 2), '--json'])).stdout) as PlanDocument;
      assert.equal(p2.summary.changed, 0, JSON.stringify(p2.hosts.filter((h) => h.changes.length)));
    });
  }
});

// The converged state must not look over budget to the planner: a boot-time pool comes out of
// MemTotal, so a re-plan against the shrunken MemTotal must not refuse the host it just converged.
describe('e2e: offline-debug on a 16 GiB host (the guide\'s default size)', function () {
  this.timeout(60_000);
  it('re-applies as unchanged after the reboot that reserved the 8 GiB pool', async () => {
    const dir = tmp('offline16');
    const lab = await startLab({ mix: { 'alinux-5.10.134-17': 1 }, stateDir: dir, downtimeMs: 150 });
    try {
      const file = labPlaybook(dir, 'offline-debug.yml', 'lab');
      const common = ['-i', lab.inventoryPath, '--state-dir', join(dir, 'state'), '--yes', '--json'];
      let seen = await witnessMark(lab);
      const a = await kfleet(['apply', file, ...common]);
      await assertWitness(lab, seen, { exitCode: a.code, events: events(a.stdout), journal: { stateDir: join(dir, 'state') } }, { playbook: file });
      assert.deepEqual(events(a.stdout).filter((e) => e.type === 'host.result').map((e) => [e.status, e.error]), [['rebooted', undefined]]);
      seen = await witnessMark(lab);
      const again = await kfleet(['apply', file, ...common]);
      await assertWitness(lab, seen, { exitCode: again.code, events: events(again.stdout), journal: { stateDir: join(dir, 'state') } }, { playbook: file });
      assert.deepEqual(events(again.stdout).filter((e) => e.type === 'host.result').map((e) => [e.status, e.error]), [['ok', undefined]]);
    } finally {
      await lab.stop();
    }
  });
});

