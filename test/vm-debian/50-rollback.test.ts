// `kfleet rollback` of the rollout run on every VM it touched: the drop-in goes back to what was
// recorded (none), update-grub regenerates (deb0's newer kernel included), the boot unit is gone,
// and each VM reboots through GRUB with no kfence argument. Witnesses: /etc/default/grub.d,
// grub.cfg, systemd, /proc/cmdline.
import assert from 'node:assert/strict';
import { kfleet, output } from '../vm/kfleet-cli.js';
import type { DebianFleet } from './fleet.js';
import { SLOW, runs } from './plays.js';
import { debState, rootSh, sharedFleet } from './shared.js';

describe('Debian 12 VMs: rollback of the rollout through the GRUB drop-in (deb0..deb2)', function () {
  this.timeout(1_800_000);
  let fleet: DebianFleet;

  before(async function () {
    fleet = await sharedFleet();
  });

  it('restores every VM to no drop-in, no kfence argument in any entry, no unit, booted without them', async function () {
    assert.ok(runs.rollout, 'the rollout ran in this session');
    const grub = fleet.vms.map((vm) => vm.grubBoots().length);
    const r = await kfleet(fleet, 'rollback', [...SLOW, runs.rollout, '--json'], 1_500_000);
    assert.equal(r.code, 0, output(r));
    assert.deepEqual(r.events.filter((e) => e.type === 'host.result').map((e) => [e.host, e['status']]).sort(), [['deb0', 'reverted'], ['deb1', 'reverted'], ['deb2', 'reverted']], output(r));
    for (const [i, vm] of fleet.vms.entries()) {
      const s = await debState(fleet, vm);
      assert.equal(s.dropin, null, `${vm.name}: the drop-in is gone`);
      for (const l of s.grubLinux) assert.doesNotMatch(l, /kfence\.|kfleet\./, `${vm.name}: ${l}`);
      assert.equal(s.unitFile, false);
      assert.match((await rootSh(fleet, vm, 'systemctl show kfleet-kfence.service -p LoadState')).stdout, /LoadState=not-found/);
      assert.doesNotMatch(s.cmdline, /kfence\.|kfleet\./, `${vm.name} booted without kfleet's args`);
      assert.equal(vm.grubBoots().length, grub[i]! + 1, `${vm.name}: one reboot through GRUB`);
      // Live values as recorded before the run: deb0 had sample_interval 100 from the runtime apply.
      assert.equal(s.interval, vm.name === 'deb0' ? '100' : '0', vm.name);
    }
  });
});
