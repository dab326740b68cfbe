// Real reboots through the supervisor: args written by the in-guest grubby reach the next
// boot's /proc/cmdline and KFENCE's boot-time state; the boot id changes; a VM told to stay
// down after its next reboot does not come back until powered on.
import assert from 'node:assert/strict';
import type { FleetVm, VmFleet } from './fleet.js';
import { run, sh, sharedFleet } from './shared.js';
import { sshBanner } from './net.js';
import { REBOOT_COMMAND as REBOOT } from './boot.js';

const P = '/sys/module/kfence/parameters';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

async function bootId(fleet: VmFleet, vm: FleetVm): Promise<string> {
  const id = (await run(fleet, vm, 'cat /proc/sys/kernel/random/boot_id')).trim();
  assert.match(id, UUID);
  return id;
}

describe('real kernel: reboots with grubby-configured args', function () {
  let fleet: VmFleet;
  let vm: FleetVm;

  before(async function () {
    fleet = await sharedFleet();
    const first = fleet.vms[0];
    assert.ok(first);
    vm = first;
  });

  it('grubby in the guest keeps args on the boot disk, in real grubby\'s --info format', async function () {
    const kernel = `/boot/vmlinuz-${fleet.assets.kernel.release}`;
    assert.equal((await run(fleet, vm, 'grubby --default-kernel')).trim(), kernel);
    await run(fleet, vm, `grubby --update-kernel=ALL --args="kfence.sample_interval=100 kfence.burst=1"`);
    await run(fleet, vm, `grubby --update-kernel=${kernel} --args="kfence.sample_interval=20 kfence.skip_covered_thresh=50" --remove-args="kfence.burst"`);
    const info = await run(fleet, vm, 'grubby --info=ALL');
    assert.equal(
      info,
      [
        'index=0',
        `kernel="${kernel}"`,
        'args="ro kfence.sample_interval=20 kfence.skip_covered_thresh=50"',
        'root="/dev/ram0"',
        `initrd="/boot/initrd.img-${fleet.assets.kernel.release}"`,
        `title="Debian GNU/Linux, with Linux ${fleet.assets.kernel.release}"`,
        `id="${vm.machineId}-${fleet.assets.kernel.release}"`,
        '',
      ].join('\n'),
    );
    assert.equal(vm.diskArgs(), 'root=/dev/ram0 ro kfence.sample_interval=20 kfence.skip_covered_thresh=50', 'the supervisor reads what grubby wrote');
    const bad = await sh(fleet, vm, 'grubby --info=/boot/vmlinuz-0.0.0');
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /The param \/boot\/vmlinuz-0\.0\.0 is incorrect/);
    // Still the booted command line: the change waits for the next boot.
    assert.doesNotMatch(await run(fleet, vm, 'cat /proc/cmdline'), /kfence\./);
  });

  it('reboots for real: new boot id, the args in /proc/cmdline, KFENCE enabled from boot', async function () {
    const oldId = await bootId(fleet, vm);
    const n = vm.bootCount;
    const t0 = Date.now();
    await run(fleet, vm, REBOOT);
    const boot = await vm.waitForReboot(n);
    const roundTrip = Date.now() - t0;
    console.log(`      [vm] ${vm.name}: reboot round trip ${(roundTrip / 1000).toFixed(1)} s (boot to SSH ${(((boot.sshReadyAt ?? 0) - boot.startedAt) / 1000).toFixed(1)} s)`);
    const newId = await bootId(fleet, vm);
    assert.notEqual(newId, oldId);
    const out = await run(fleet, vm, `cat /proc/cmdline; cat ${P}/sample_interval ${P}/skip_covered_thresh; head -n 1 /sys/kernel/debug/kfence/stats; grep 'total bugs' /sys/kernel/debug/kfence/stats`);
    assert.deepEqual(out.trim().split('\n'), [
      'console=ttyS0 panic=-1 quiet root=/dev/ram0 ro kfence.sample_interval=20 kfence.skip_covered_thresh=50',
      '20',
      '50',
      'enabled: 1',
      'total bugs: 0',
    ]);
    assert.equal(boot.cmdline, out.trim().split('\n')[0]);
  });

  it('stays down after the next reboot when told to, and boots again when powered on', async function () {
    await run(fleet, vm, 'grubby --update-kernel=ALL --remove-args="kfence.sample_interval kfence.skip_covered_thresh"');
    const n = vm.bootCount;
    vm.stayDownAfterNextReboot();
    const down = new Promise<void>((resolve) => vm.once('down', () => resolve()));
    await run(fleet, vm, REBOOT);
    await down;
    assert.equal(vm.state, 'down');
    await new Promise((r) => setTimeout(r, 1500));
    assert.equal(vm.bootCount, n, 'no new boot');
    assert.equal(await sshBanner(vm.port, 1500), false, 'no SSH while down');
    vm.powerOn();
    await vm.waitForSsh({ boot: n + 1 });
    assert.equal((await run(fleet, vm, `cat ${P}/sample_interval`)).trim(), '0');
    assert.doesNotMatch(await run(fleet, vm, 'cat /proc/cmdline'), /kfence\./);
  });
});
