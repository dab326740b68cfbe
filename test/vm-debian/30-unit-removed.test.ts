// Dropping the per-slab selection (deb1): kfleet removes its boot unit and the marker from the
// drop-in; after the reboot kfleet asks for, every cache is sampled again and systemd knows no
// kfleet unit. Witnesses: systemd, /etc, grub.cfg, /proc/cmdline and the kernel.
import assert from 'node:assert/strict';
import { kfleet, output, playbook } from '../vm/kfleet-cli.js';
import type { DebianFleet } from './fleet.js';
import { debState, rootSh, sharedFleet } from './shared.js';
import { SLOW, bootPlay } from './plays.js';

describe('Debian 12 VMs: the boot unit removed cleanly (deb1)', function () {
  this.timeout(1_800_000);
  let fleet: DebianFleet;

  before(async function () {
    fleet = await sharedFleet();
  });

  it('removes the unit and its marker, reboots through GRUB, and every cache is sampled again', async function () {
    const vm = fleet.vms[1]!;
    const before = await debState(fleet, vm);
    assert.ok(before.unitFile, 'the rollout installed the unit');
    const grub = vm.grubBoots().length;
    const r = await kfleet(fleet, 'apply', [...SLOW, '--yes', '--json', '--limit', vm.name, playbook(fleet, 'boot-100-all', bootPlay(''))], 900_000);
    assert.equal(r.code, 0, output(r));
    const s = await debState(fleet, vm);
    assert.equal(s.unitFile, false);
    assert.equal((await rootSh(fleet, vm, 'test -e /etc/kfleet/kfence-boot.sh')).code, 1, 'the script is gone');
    const show = await rootSh(fleet, vm, 'systemctl show kfleet-kfence.service -p LoadState');
    assert.match(show.stdout, /LoadState=not-found/);
    assert.match(s.dropin ?? '', /^GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX kfence\.sample_interval=100"$/m);
    for (const l of s.grubLinux) assert.doesNotMatch(l, /kfleet\.boot_unit/, l);
    // The selection returns to the kernel default only with a boot without the unit.
    assert.ok(r.events.some((e) => e.type === 'host.reboot' && e['stage'] === 'fire'), output(r));
    assert.equal(vm.grubBoots().length, grub + 1);
    assert.notEqual(s.bootId, before.bootId);
    assert.doesNotMatch(s.cmdline, /kfleet\.boot_unit/);
    // Sampled again: every cache's skip_kfence is 0, live (now, whether or not kfleet rebooted).
    const skipped = await rootSh(fleet, vm, 'grep -l 1 /sys/kernel/slab/*/skip_kfence | head -5');
    assert.equal(skipped.stdout.trim(), '', `caches still skipped: ${skipped.stdout}`);
    assert.equal(s.interval, '100');
  });
});
