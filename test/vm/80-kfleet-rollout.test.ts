// kfleet rolling a boot-time change out over the three VMs of the shared fleet with real reboots
// (phases [1, "100%"]): each VM rebooted exactly once (the supervisor counts boots), verified by
// /proc/cmdline and the live parameter; a second apply that changes nothing; and a canary that
// does not come back after its reboot halting the run before any other VM is touched.
import assert from 'node:assert/strict';
import type { FleetVm, VmFleet } from './fleet.js';
import { kfleet, output, param, playbook, type KfleetEvent } from './kfleet-cli.js';
import { run, sharedFleet } from './shared.js';

function bootPlay(interval: number, timeout: string): string {
  return [
    `name: boot-time sampling ${interval}`,
    'hosts: vms',
    'kfence:',
    '  mode: sampling',
    `  sample_interval: ${interval}`,
    '  apply: boot',
    'rollout:',
    '  phases: [1, "100%"]',
    '  max_fail_percentage: 0',
    '  soak: 1s',
    '  health: { unexpected_reboot: fail, kfence_bugs: report }',
    `reboot: { allowed: true, max_parallel: 2, timeout: ${timeout}, stable_for: 2s }`,
    '',
  ].join('\n');
}

const phases = (events: KfleetEvent[]): string[][] => events.filter((e) => e.type === 'phase.start').map((e) => e['hosts'] as string[]);
const fired = (events: KfleetEvent[]): string[] => events.filter((e) => e.type === 'host.reboot' && e['stage'] === 'fire').map((e) => e.host ?? '');

describe('kfleet on real kernels: a phased boot-time rollout with real reboots (vm0..vm2)', function () {
  this.timeout(300_000);
  let fleet: VmFleet;
  let vms: FleetVm[];

  before(async function () {
    fleet = await sharedFleet();
    vms = fleet.vms;
    assert.equal(vms.length, 3);
  });

  after(async function () {
    // A VM the canary scenario left down must not outlive a failed assertion silently.
    for (const vm of vms ?? []) {
      vm.stayDownAfterNextReboot(false);
      if (vm.state === 'down') vm.powerOn();
    }
  });

  it('rolls kfence.sample_interval=250 out canary first, rebooting each VM once; verified by /proc/cmdline and the live parameter', async function () {
    const boots = vms.map((vm) => vm.bootCount);
    const r = await kfleet(fleet, 'apply', ['--yes', '--json', playbook(fleet, 'boot-250', bootPlay(250, '90s'))]);
    assert.equal(r.code, 0, output(r));
    const p = phases(r.events);
    assert.equal(p.length, 2, output(r));
    assert.equal(p[0]!.length, 1, 'the first phase is one canary');
    assert.equal(p[1]!.length, 2);
    assert.deepEqual([...p[0]!, ...p[1]!].sort(), ['vm0', 'vm1', 'vm2']);
    assert.deepEqual(fired(r.events).sort(), ['vm0', 'vm1', 'vm2'], 'one reboot per VM');
    const canary = vms.find((vm) => vm.name === p[0]![0])!;
    const verified = r.events.find((e) => e.type === 'host.reboot' && e['stage'] === 'verified' && e.host === canary.name);
    const canaryVerified = Date.parse(String(verified?.['ts']));
    assert.ok(canaryVerified > canary.currentBoot!.startedAt, output(r));
    for (const [i, vm] of vms.entries()) {
      assert.equal(vm.bootCount, boots[i]! + 1, `${vm.name} booted exactly once more (supervisor count)`);
      assert.match(vm.currentBoot!.cmdline, /(^| )kfence\.sample_interval=250( |$)/);
      assert.match((await run(fleet, vm, 'cat /proc/cmdline')).trim(), /(^| )kfence\.sample_interval=250( |$)/);
      assert.equal(await param(fleet, vm, 'sample_interval'), '250');
      assert.match(await run(fleet, vm, 'head -1 /sys/kernel/debug/kfence/stats'), /^enabled: 1$/m);
      // The supervisor's clock: the second phase's VMs started booting only after kfleet had
      // verified the canary back up with the new args.
      if (vm !== canary) assert.ok(vm.currentBoot!.startedAt > canaryVerified, `${vm.name} rebooted only after the canary was verified`);
    }
    const results = r.events.filter((e) => e.type === 'host.result').map((e) => [e.host, e['status']]);
    assert.deepEqual(results.sort(), [['vm0', 'rebooted'], ['vm1', 'rebooted'], ['vm2', 'rebooted']]);
  });

  it('a second apply of the same play changes nothing and reboots nothing', async function () {
    const boots = vms.map((vm) => vm.bootCount);
    const ids = await Promise.all(vms.map((vm) => run(fleet, vm, 'cat /proc/sys/kernel/random/boot_id')));
    const r = await kfleet(fleet, 'apply', ['--yes', '--json', playbook(fleet, 'boot-250', bootPlay(250, '90s'))]);
    assert.equal(r.code, 0, output(r));
    assert.deepEqual(fired(r.events), []);
    for (const e of r.events.filter((x) => x.type === 'host.plan')) assert.equal(e['changes'], 0, `${e.host} planned changes`);
    assert.deepEqual(r.events.filter((e) => e.type === 'host.result').map((e) => e['status']), ['ok', 'ok', 'ok']);
    assert.deepEqual(vms.map((vm) => vm.bootCount), boots);
    assert.deepEqual(await Promise.all(vms.map((vm) => run(fleet, vm, 'cat /proc/sys/kernel/random/boot_id'))), ids);
  });

  it('halts the run when the canary does not come back from its reboot; no other VM is touched', async function () {
    const boots = vms.map((vm) => vm.bootCount);
    const disks = vms.map((vm) => vm.diskArgs());
    // Whichever VM kfleet picks as the canary stays down after its reboot.
    for (const vm of vms) vm.stayDownAfterNextReboot();
    const r = await kfleet(fleet, 'apply', ['--yes', '--json', playbook(fleet, 'boot-300', bootPlay(300, '20s'))]);
    for (const vm of vms) vm.stayDownAfterNextReboot(false);
    assert.notEqual(r.code, 0, output(r));
    const p = phases(r.events);
    assert.equal(p.length, 1, `only the canary phase started: ${JSON.stringify(p)}`);
    const canaryName = p[0]![0];
    assert.deepEqual(fired(r.events), [canaryName]);
    const end = r.events.find((e) => e.type === 'run.end');
    assert.notEqual(end?.['verdict'], 'converged', output(r));
    for (const [i, vm] of vms.entries()) {
      if (vm.name === canaryName) {
        assert.equal(vm.state, 'down', 'the canary is down');
        assert.match(vm.diskArgs(), /kfence\.sample_interval=300/, 'the canary got the new args before its reboot');
      } else {
        assert.equal(vm.bootCount, boots[i], `${vm.name} was not rebooted`);
        assert.equal(vm.diskArgs(), disks[i], `${vm.name}'s boot entry was not touched`);
        assert.equal(await param(fleet, vm, 'sample_interval'), '250');
      }
    }
    // The host comes back (as a repaired host would), with the args it was given.
    const canary = vms.find((vm) => vm.name === canaryName)!;
    canary.powerOn();
    await canary.waitForSsh({ timeoutMs: 90_000 });
    assert.equal(await param(fleet, canary, 'sample_interval'), '300');
  });
});
