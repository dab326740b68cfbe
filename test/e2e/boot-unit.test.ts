// Issue 4: `apply: boot` or `both` with a per-slab selection installs the boot unit; after a
// reboot (kfleet's, and a later one kfleet did not order) the unit re-applies the selection.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import type { PlanDocument } from '../../src/cli/commands/plan.js';
import { events, kfleet, labPlaybook, tmp, writes } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

const UNIT = '/etc/systemd/system/kfleet-kfence.service';
const SCRIPT = '/etc/kfleet/kfence-boot.sh';

/** Which caches KFENCE watches, as the kernel says (kfence_enable on Alinux, skip_kfence upstream). */
async function watched(h: LabHost, cache: string): Promise<boolean> {
  const alinux = h.profile.name.startsWith('alinux');
  const v = (await h.readFile(`/sys/kernel/slab/${cache}/${alinux ? 'kfence_enable' : 'skip_kfence'}`)).trim();
  return alinux ? v === '1' : v === '0';
}

describe('e2e: boot unit for the per-slab selection', function () {
  this.timeout(90_000);
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = tmp('unit');
    lab = await startLab({ mix: { 'alinux-5.10.134-17': 2, 'upstream-6.12': 2 }, stateDir: dir, downtimeMs: 150 });
  });
  after(async () => lab?.stop());

  for (const [where, hosts] of [['boot', ['lab-001', 'lab-003']], ['both', ['lab-002', 'lab-004']]] as const) {
    it(`apply: ${where} installs the unit; the selection survives kfleet's reboot and a later one`, async () => {
      const file = labPlaybook(dir, 'demo.yml', hosts.join(':'), { kfence: { apply: where, slabs: { only: ['kmalloc-64'] } } });
      const common = ['-i', lab.inventoryPath, '--state-dir', join(dir, 'state'), '--yes', '--json'];
      const mark = await witnessMark(lab);
      const a = await kfleet(['apply', file, ...common]);
      await assertWitness(lab, mark, { exitCode: a.code, events: events(a.stdout), journal: { stateDir: join(dir, 'state') } }, { playbook: file });
      const res = events(a.stdout).filter((e) => e.type === 'host.result');
      // boot: a reboot makes it real; both: live where the kernel can (upstream 6.12 late enable), a reboot where not (a small Alinux pool).
      const want = where === 'boot' ? ['rebooted', 'rebooted'] : ['rebooted', 'changed'];
      assert.deepEqual(res.map((e) => [e.host, e.status]).sort(), hosts.map((h, i) => [h, want[i]]), a.stdout.slice(-3000));
      for (const name of hosts) {
        const h = lab.host(name);
        assert.match(await h.readFile(UNIT), /ExecStart=.*kfence-boot\.sh/);
        assert.match(await h.readFile(SCRIPT), /kmalloc-64/);
        assert.ok(await watched(h, 'kmalloc-64'), `${name}: kmalloc-64 watched after kfleet's reboot`);
        assert.ok(!(await watched(h, 'TCP')), `${name}: TCP not watched`);
        // A reboot kfleet did not order: only the unit can bring the selection back.
        const boots = h.bootCount;
        const mark = h.audit.length;
        await h.reboot();
        assert.equal(h.bootCount, boots + 1);
        assert.ok(await watched(h, 'kmalloc-64'), `${name}: kmalloc-64 watched after a plain reboot`);
        assert.ok(!(await watched(h, 'TCP')), `${name}: TCP not watched after a plain reboot`);
        assert.ok(writes(h, mark).some((w) => /kmalloc-64|:0000064/.test(w.path) && w.ok), `${name}: the unit wrote the selection at boot`);
        assert.match(h.cmdline(), /kfence\.sample_interval=200/);
      }
      const p = JSON.parse((await kfleet(['plan', file, '-i', lab.inventoryPath, '--json'])).stdout) as PlanDocument;
      assert.deepEqual(p.hosts.map((x) => [x.name, x.changes.length, x.reboot_required]), hosts.map((h) => [h, 0, false]), JSON.stringify(p.hosts));
    });
  }

  it('a play without a selection removes the unit', async () => {
    const file = labPlaybook(dir, 'demo.yml', 'lab-001:lab-003', { kfence: { apply: 'both' } });
    const mark = await witnessMark(lab);
    const a = await kfleet(['apply', file, '-i', lab.inventoryPath, '--state-dir', join(dir, 'state'), '--yes', '--json']);
    await assertWitness(lab, mark, { exitCode: a.code, events: events(a.stdout), journal: { stateDir: join(dir, 'state') } }, { playbook: file });
    assert.ok(events(a.stdout).filter((e) => e.type === 'host.result').every((e) => e.status !== 'failed'), a.stdout.slice(-2000));
    for (const n of ['lab-001', 'lab-003']) {
      const h = lab.host(n);
      await assert.rejects(h.readFile(UNIT), `${n}: unit still installed`);
      await h.reboot();
      assert.ok(await watched(h, 'TCP'), `${n}: every cache watched again`);
    }
  });
});
