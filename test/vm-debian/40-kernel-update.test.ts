// A kernel update on deb0 after the rollout: Debian's postinst runs update-grub, the newer kernel
// becomes GRUB's default and inherits kfleet's args through GRUB_CMDLINE_LINUX; kfleet warns,
// naming both kernels, that the next boot changes the kernel; an ordinary `systemctl reboot`
// then boots the new kernel through GRUB with KFENCE on. Witnesses: grub.cfg, GRUB's console
// line, uname -r, /proc/cmdline, the kernel's value.
import assert from 'node:assert/strict';
import { kfleet, output, playbook } from '../vm/kfleet-cli.js';
import type { DebianFleet } from './fleet.js';
import { SLOW, bootPlay } from './plays.js';
import { debState, root, rootSh, sharedFleet, waitForNewBoot } from './shared.js';

const esc = (s: string): string => s.replace(/[.+]/g, '\\$&');

describe('Debian 12 VMs: args survive a kernel update that becomes the default (deb0)', function () {
  this.timeout(1_800_000);
  let fleet: DebianFleet;

  before(async function () {
    fleet = await sharedFleet();
  });

  it('the newly installed kernel inherits the args in every generated entry, and kfleet warns naming both kernels', async function () {
    const vm = fleet.vms[0]!;
    const k1 = fleet.image.defaultKernel;
    const k2 = fleet.image.secondKernel;
    const t0 = Date.now();
    const inst = await rootSh(fleet, vm, `DEBIAN_FRONTEND=noninteractive dpkg -i ${fleet.image.secondKernelDeb} 2>&1`, 1_200_000);
    assert.equal(inst.code, 0, inst.stdout);
    console.log(`      [vm-debian] dpkg -i ${k2} under TCG (initramfs, update-grub): ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const s = await debState(fleet, vm);
    const k2Lines = s.grubLinux.filter((l) => l.includes(`/boot/vmlinuz-${k2} `));
    assert.equal(k2Lines.length, 3, `the simple entry, normal and recovery for ${k2}:\n${s.grubLinux.join('\n')}`);
    for (const l of s.grubLinux) assert.match(l, /kfence\.sample_interval=100/, l);
    assert.equal((await root(fleet, vm, 'uname -r')).trim(), k1, 'still running the old kernel');

    const r = await kfleet(fleet, 'plan', [...SLOW, '--limit', vm.name, playbook(fleet, 'boot-100-all', bootPlay(''))], 900_000);
    assert.equal(r.code, 0, output(r));
    assert.match(r.stdout, new RegExp(`warning: the next boot starts /boot/vmlinuz-${esc(k2)} \\(the bootloader's default\\), not the running kernel ${esc(k1)}`), output(r));
    assert.match(r.stdout, /deb0: no change/, 'the args are already on every entry');
  });

  it('an ordinary reboot goes through GRUB into the new kernel, booted with the args and KFENCE sampling', async function () {
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
    const r = await kfleet(fleet, 'plan', [...SLOW, '--limit', vm.name, playbook(fleet, 'boot-100-all', bootPlay(''))], 900_000);
    assert.equal(r.code, 0, output(r));
    assert.doesNotMatch(r.stdout, /next boot starts/, output(r));
    assert.match(r.stdout, /deb0: no change/, output(r));
  });
});
