// Issue 13 item 3 on the lab: after playbooks/disable.yml (apply: both) on a host that booted with
// KFENCE on, `plan` has nothing to do, and `status` (table, --json) and kfleet_kfence_pending_reboot
// say the same: no reboot is pending. Witness: the lab host's own /proc/cmdline and boot entry.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { events, kfleet, labPlaybook, tmp } from '../e2e/support.js';

describe('status and plan agree on pending reboots (lab)', function () {
  this.timeout(90_000);
  let lab: Lab;
  let dir: string;
  let inv: string[];
  before(async () => {
    dir = tmp('status-pending');
    lab = await startLab({ mix: { 'alinux-5.10.134-17': 2 }, stateDir: dir, downtimeMs: 100 });
    inv = ['-i', lab.inventoryPath];
    const on = await kfleet(['apply', labPlaybook(dir, 'demo.yml', 'all'), ...inv, '--state-dir', join(dir, 'state'), '--yes', '--json']);
    assert.equal(on.code, 0, on.stdout.slice(-2000) + on.stderr);
  });
  after(async () => lab?.stop());

  it('disable.yml (apply: both): plan empty, status and Prometheus say no pending reboot', async () => {
    const off = await kfleet(['apply', labPlaybook(dir, 'disable.yml', 'all', { reboot: { allowed: false } }), ...inv, '--state-dir', join(dir, 'state'), '--yes', '--json']);
    assert.equal(off.code, 0, off.stdout.slice(-2000) + off.stderr);
    for (const h of lab.hosts) {
      // Witness: the host booted with KFENCE on and its next boot entry no longer carries it.
      const cmdline = (await h.run('cat /proc/cmdline')).stdout;
      assert.match(cmdline, /kfence\.sample_interval=[1-9]/, `${h.name} booted with KFENCE on`);
      const info = (await h.run('grubby --info=DEFAULT')).stdout;
      assert.doesNotMatch(info, /kfence\.sample_interval=[1-9]/, `${h.name}: ${info}`);
      assert.equal((await h.run('cat /sys/module/kfence/parameters/sample_interval')).stdout.trim(), '0');
    }
    const plan = await kfleet(['plan', labPlaybook(dir, 'disable.yml', 'all'), ...inv, '--json']);
    const doc = JSON.parse(plan.stdout) as { hosts: Array<{ name: string; changes: unknown[]; reboot_required: boolean }> };
    assert.equal(doc.hosts.length, lab.hosts.length);
    for (const p of doc.hosts) assert.deepEqual([p.changes.length, p.reboot_required], [0, false], `${p.name}: ${JSON.stringify(p)}`);

    const st = await kfleet(['status', ...inv, '--json']);
    assert.equal(st.code, 0, st.stderr);
    const rows = (JSON.parse(st.stdout) as { hosts: Array<{ host: string; pending_reboot: boolean; pending_args: string[]; mode: string }> }).hosts;
    for (const r of rows) assert.deepEqual([r.host, r.mode, r.pending_reboot, r.pending_args], [r.host, 'off', false, []]);
    const table = await kfleet(['status', ...inv]);
    assert.doesNotMatch(table.stdout, /kfence\.sample_interval/, table.stdout);
    const prom = await kfleet(['status', ...inv, '--prometheus']);
    const pending = prom.stdout.split('\n').filter((l) => l.startsWith('kfleet_kfence_pending_reboot{'));
    assert.deepEqual(pending.map((l) => l.split(' ')[1]), lab.hosts.map(() => '0'), prom.stdout);
    assert.match(prom.stdout, /# HELP kfleet_kfence_pending_reboot .*next boot/, prom.stdout);
    assert.ok(events(off.stdout).length > 0);
  });
});
