// A boot-time change rolled out over the three Debian VMs canary first (phases [1, "100%"]):
// kfleet writes its GRUB drop-in, runs update-grub, reboots each VM with `systemctl reboot`, and
// real GRUB boots the config it generated. The per-slab selection rides on kfleet's boot unit
// under real systemd. Witnesses: GRUB's own console lines, /proc/cmdline, the kernel's values,
// grub.cfg, systemd's view of the unit and its journal in this boot.
import assert from 'node:assert/strict';
import { kfleet, output, playbook } from '../vm/kfleet-cli.js';
import type { DebianFleet } from './fleet.js';
import { debState, root, sharedFleet, type DebState } from './shared.js';
import { SLOW, bootPlay, fired, phases, runs } from './plays.js';

describe('Debian 12 VMs: a phased boot-time rollout through real GRUB and systemd (deb0..deb2)', function () {
  this.timeout(1_800_000);
  let fleet: DebianFleet;
  let statesBefore: DebState[];

  before(async function () {
    fleet = await sharedFleet();
  });

  it('plans the drop-in for grub-debian on each VM, reboots each once, canary first; GRUB boots the new args', async function () {
    const vms = fleet.vms;
    statesBefore = await Promise.all(vms.map((vm) => debState(fleet, vm)));
    const grubBefore = vms.map((vm) => vm.grubBoots().length);
    const r = await kfleet(fleet, 'apply', [...SLOW, '--yes', '--json', playbook(fleet, 'boot-100', bootPlay())], 1_500_000);
    assert.equal(r.code, 0, output(r));
    runs.rollout = String(r.events.find((e) => e.type === 'run.start')?.['run'] ?? '');
    assert.ok(runs.rollout, output(r));
    assert.deepEqual(r.events.filter((e) => e.type === 'host.plan').map((e) => e['bootloader']), ['grub-debian', 'grub-debian', 'grub-debian']);
    const p = phases(r.events);
    assert.deepEqual(p.map((x) => x.length), [1, 2], output(r));
    assert.deepEqual(fired(r.events).sort(), ['deb0', 'deb1', 'deb2']);
    assert.deepEqual(r.events.filter((e) => e.type === 'host.result').map((e) => [e.host, e['status']]).sort(), [['deb0', 'rebooted'], ['deb1', 'rebooted'], ['deb2', 'rebooted']]);
    for (const [i, vm] of vms.entries()) {
      const s = await debState(fleet, vm);
      const boots = vm.grubBoots();
      assert.equal(boots.length, grubBefore[i]! + 1, `${vm.name}: GRUB loaded a kernel exactly once more`);
      assert.equal(boots.at(-1), fleet.image.defaultKernel);
      assert.notEqual(s.bootId, statesBefore[i]!.bootId);
      assert.match(s.cmdline, /(^| )kfence\.sample_interval=100( |$)/);
      assert.match(s.cmdline, /(^| )kfleet\.boot_unit=[0-9a-f]+( |$)/);
      assert.equal(s.interval, '100');
      assert.match(s.dropin ?? '', /^GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX kfence\.sample_interval=100 kfleet\.boot_unit=[0-9a-f]+"$/m);
      assert.ok(s.grubLinux.length >= 3, s.grubLinux.join('\n'));
      for (const l of s.grubLinux) assert.match(l, /kfence\.sample_interval=100/, `every entry, recovery too: ${l}`);
      // The boot unit under real systemd: enabled, ran once in this boot, succeeded.
      assert.ok(s.unitFile);
      assert.equal((await root(fleet, vm, 'systemctl is-enabled kfleet-kfence.service')).trim(), 'enabled');
      const show = await root(fleet, vm, 'systemctl show kfleet-kfence.service -p ActiveState -p Result -p ExecMainStatus');
      assert.match(show, /ActiveState=active/);
      assert.match(show, /Result=success/);
      assert.match(show, /ExecMainStatus=0/);
      assert.match(await root(fleet, vm, 'journalctl -q --no-pager -b -u kfleet-kfence.service -o cat'), /kfleet: re-apply KFENCE settings/);
      assert.deepEqual(s.sampled.filter((c) => !c.startsWith(':')), ['kmalloc-32', 'kmalloc-64'], `${vm.name}: only the selected caches are sampled`);
    }
  });

  it('a second apply plans nothing for any VM and reboots none', async function () {
    const vms = fleet.vms;
    const ids = await Promise.all(vms.map(async (vm) => (await debState(fleet, vm)).bootId));
    const grub = vms.map((vm) => vm.grubBoots().length);
    const r = await kfleet(fleet, 'apply', [...SLOW, '--yes', '--json', playbook(fleet, 'boot-100', bootPlay())], 600_000);
    assert.equal(r.code, 0, output(r));
    assert.deepEqual(fired(r.events), []);
    for (const e of r.events.filter((x) => x.type === 'host.plan')) assert.equal(e['changes'], 0, `${e.host} planned changes: ${output(r)}`);
    assert.deepEqual(r.events.filter((e) => e.type === 'host.result').map((e) => e['status']), ['ok', 'ok', 'ok']);
    assert.deepEqual(await Promise.all(vms.map(async (vm) => (await debState(fleet, vm)).bootId)), ids);
    assert.deepEqual(vms.map((vm) => vm.grubBoots().length), grub);
  });
});
