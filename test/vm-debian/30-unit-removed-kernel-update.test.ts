// Two scenarios that each need a reboot, run at the same time on different VMs (one reboot round
// under TCG instead of two):
// - deb1: dropping the per-slab selection makes kfleet remove its boot unit and the marker from
//   the drop-in; after the reboot kfleet asks for, every cache is sampled again and systemd knows
//   no kfleet unit. Witnesses: systemd, /etc, grub.cfg, /proc/cmdline and the kernel.
// - deb0: a kernel update after the rollout: Debian's postinst runs update-grub, the newer kernel
//   becomes GRUB's default and inherits kfleet's args through GRUB_CMDLINE_LINUX; kfleet warns,
//   naming both kernels, that the next boot changes the kernel; an ordinary `systemctl reboot`
//   then boots the new kernel through GRUB with KFENCE on. Witnesses: grub.cfg, GRUB's console
//   line, uname -r, /proc/cmdline, the kernel's value.
import assert from 'node:assert/strict';
import { kfleet, output, playbook, type CliResult } from '../vm/kfleet-cli.js';
import type { DebianFleet } from './fleet.js';
import { SLOW, bootPlay } from './plays.js';
import { debState, root, rootSh, sharedFleet, waitForNewBoot, type DebState } from './shared.js';
import type { SshResult } from '../vm/ssh.js';

const esc = (s: string): string => s.replace(/[.+]/g, '\\$&');

describe('Debian 12 VMs: the boot unit removed (deb1) while a kernel update becomes the default (deb0)', function () {
  this.timeout(1_800_000);
  let fleet: DebianFleet;
  let removal: Promise<{ before: DebState; grub: number; r: CliResult }>;
  let install: Promise<{ inst: SshResult; seconds: number }>;

  before(async function () {
    fleet = await sharedFleet();
    const [deb0, deb1] = [fleet.vms[0]!, fleet.vms[1]!];
    removal = (async () => {
      const before = await debState(fleet, deb1);
      const grub = deb1.grubBoots().length;
      const r = await kfleet(fleet, 'apply', [...SLOW, '--yes', '--json', '--limit', deb1.name, playbook(fleet, 'boot-100-all', bootPlay(''))], 1_500_000);
      return { before, grub, r };
    })();
    install = (async () => {
      const t0 = Date.now();
      const inst = await rootSh(fleet, deb0, `DEBIAN_FRONTEND=noninteractive dpkg -i ${fleet.image.secondKernelDeb} 2>&1`, 1_200_000);
      return { inst, seconds: (Date.now() - t0) / 1000 };
    })();
    // Awaited by the tests below; marked handled so a failure is reported there, not as unhandled.
    removal.catch(() => undefined);
    install.catch(() => undefined);
  });

  it('deb0: the newly installed kernel inherits the args in every generated entry, and kfleet warns naming both kernels', async function () {
    const vm = fleet.vms[0]!;
    const k1 = fleet.image.defaultKernel;
    const k2 = fleet.image.secondKernel;
    const { inst, seconds } = await install;
    assert.equal(inst.code, 0, inst.stdout);
    console.log(`      [vm-debian] dpkg -i ${k2} under TCG (initramfs, update-grub): ${seconds.toFixed(0)} s`);
    const s = await debState(fleet, vm);
    const k2Lines = s.grubLinux.filter((l) => l.includes(`/boot/vmlinuz-${k2} `));
    assert.equal(k2Lines.length, 3, `the simple entry, normal and recovery for ${k2}:\n${s.grubLinux.join('\n')}`);
    for (const l of s.grubLinux) assert.match(l, /kfence\.sample_interval=100/, l);
    assert.equal((await root(fleet, vm, 'uname -r')).trim(), k1, 'still running the old kernel');

    const r = await kfleet(fleet, 'plan', [...SLOW, '--limit', vm.name, playbook(fleet, 'boot-100', bootPlay())], 900_000);
    assert.equal(r.code, 0, output(r));
    assert.match(r.stdout, new RegExp(`warning: the next boot starts /boot/vmlinuz-${esc(k2)} \\(the bootloader's default\\), not the running kernel ${esc(k1)}`), output(r));
    assert.match(r.stdout, /deb0: no change/, 'the args are already on every entry');
  });

  it('deb0: an ordinary reboot goes through GRUB into the new kernel, booted with the args and KFENCE sampling', async function () {
    const vm = fleet.vms[0]!;
    const k2 = fleet.image.secondKernel;
    const before = await debState(fleet, vm);
    await rootSh(fleet, vm, 'systemctl reboot', 30_000).catch(() => null);
    await waitForNewBoot(fleet, vm, before.bootId);
    assert.equal(vm.grubBoots().at(-1), k2, 'GRUB loaded the new default');
    const s = await debState(fleet, vm);
    assert.equal((await root(fleet, vm, 'uname -r')).trim(), k2);
    assert.match(s.cmdline, new RegExp(`^BOOT_IMAGE=/boot/vmlinuz-${esc(k2)} .*kfence\\.sample_interval=100`));
    assert.equal(s.interval, '100');
    // The boot unit (installed by the rollout) re-applied the selection on the new kernel too.
    assert.deepEqual(s.sampled.filter((c) => !c.startsWith(':')), ['kmalloc-32', 'kmalloc-64']);
    const r = await kfleet(fleet, 'plan', [...SLOW, '--limit', vm.name, playbook(fleet, 'boot-100', bootPlay())], 900_000);
    assert.equal(r.code, 0, output(r));
    assert.doesNotMatch(r.stdout, /next boot starts/, output(r));
    assert.match(r.stdout, /deb0: no change/, output(r));
  });

  it('deb1: removes the unit and its marker, reboots through GRUB, and every cache is sampled again', async function () {
    const vm = fleet.vms[1]!;
    const { before, grub, r } = await removal;
    assert.equal(r.code, 0, output(r));
    assert.ok(before.unitFile, 'the rollout installed the unit');
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
    // Sampled again: every cache's skip_kfence is 0.
    const skipped = await rootSh(fleet, vm, 'grep -l 1 /sys/kernel/slab/*/skip_kfence | head -5');
    assert.equal(skipped.stdout.trim(), '', `caches still skipped: ${skipped.stdout}`);
    assert.equal(s.interval, '100');
  });
});
