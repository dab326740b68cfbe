// A real Debian 12 system (systemd, OpenSSH, sudo, GRUB; no grubby) through kfleet's CLI: the
// probe names its bootloader, and a live change goes in as the unprivileged `sre` with sudo and a
// real password. Witnesses: the kernel read as root, and sudo's own lines in the journal.
import assert from 'node:assert/strict';
import { kfleet, output, playbook } from '../vm/kfleet-cli.js';
import type { DebianFleet } from './fleet.js';
import { SLOW } from './plays.js';
import { debState, root, sharedFleet } from './shared.js';

const runtime = (interval: number): string => `name: runtime ${interval}\nhosts: debian\nkfence:\n  mode: sampling\n  sample_interval: ${interval}\n  apply: runtime\n`;

describe('Debian 12 VMs: the probe and a runtime change as sre with a sudo password (deb0)', function () {
  let fleet: DebianFleet;

  before(async function () {
    fleet = await sharedFleet();
  });

  it('every VM booted through real GRUB into the image default kernel, and status names grub-debian', async function () {
    for (const vm of fleet.vms) {
      assert.deepEqual(vm.grubBoots(), [fleet.image.defaultKernel], `${vm.name}: one boot, through GRUB's "Loading Linux" line`);
      assert.equal((await root(fleet, vm, 'uname -r')).trim(), fleet.image.defaultKernel);
      assert.equal((await root(fleet, vm, 'command -v grubby || echo none')).trim(), 'none', 'Debian has no grubby');
    }
    const r = await kfleet(fleet, 'status', [...SLOW, '--json'], 900_000);
    assert.equal(r.code, 0, output(r));
    const hosts = (JSON.parse(r.stdout) as { hosts: Array<{ host: string; bootloader: string; release: string; sample_interval: number }> }).hosts;
    assert.deepEqual(hosts.map((h) => [h.host, h.bootloader, h.release, h.sample_interval]).sort(), fleet.vms.map((v) => [v.name, 'grub-debian', fleet.image.defaultKernel, 0]));
  });

  it('applies sample_interval=100 live as sre through sudo with its password; the kernel and the journal agree', async function () {
    const vm = fleet.vms[0]!;
    const since = (await root(fleet, vm, 'date +%s')).trim();
    const before = await debState(fleet, vm);
    const r = await kfleet(fleet, 'apply', [...SLOW, '--yes', '--json', '--limit', vm.name, playbook(fleet, 'rt-100', runtime(100))], 900_000);
    assert.equal(r.code, 0, output(r));
    assert.deepEqual(r.events.filter((e) => e.type === 'host.result').map((e) => [e.host, e['status']]), [[vm.name, 'changed']]);
    const after = await debState(fleet, vm);
    assert.equal(after.interval, '100');
    assert.equal(after.bootId, before.bootId, 'no reboot');
    assert.equal(after.dropin, null, 'apply: runtime leaves the bootloader alone');
    assert.deepEqual(after.grubLinux, before.grubLinux);
    assert.match(await root(fleet, vm, 'head -1 /sys/kernel/debug/kfence/stats'), /^enabled: 1$/m);
    // sudo logs every command it ran for sre (and no authentication failure) in the journal.
    const log = await root(fleet, vm, `journalctl -q --no-pager _COMM=sudo --since @${since}`);
    assert.match(log, /sudo\[\d+\]:\s+sre : .*USER=root ; COMMAND=/, log);
    assert.doesNotMatch(log, /incorrect password|authentication failure/, log);
    const again = await kfleet(fleet, 'apply', [...SLOW, '--yes', '--json', '--limit', vm.name, playbook(fleet, 'rt-100', runtime(100))], 900_000);
    assert.equal(again.code, 0, output(again));
    assert.deepEqual(again.events.filter((e) => e.type === 'host.result').map((e) => e['status']), ['ok']);
  });

  it('a wrong sudo password is refused by real sudo, and nothing changes', async function () {
    const vm = fleet.vms[0]!;
    const good = process.env['KFLEET_BECOME_PASSWORD'];
    process.env['KFLEET_BECOME_PASSWORD'] = 'not-the-password';
    try {
      const r = await kfleet(fleet, 'apply', [...SLOW, '--yes', '--json', '--limit', vm.name, playbook(fleet, 'rt-50', runtime(50))], 900_000);
      assert.notEqual(r.code, 0, output(r));
    } finally {
      process.env['KFLEET_BECOME_PASSWORD'] = good;
    }
    assert.equal((await debState(fleet, vm)).interval, '100');
    assert.match(await root(fleet, vm, 'journalctl -q --no-pager _COMM=sudo -n 20'), /incorrect password attempt|authentication failure/);
  });
});
