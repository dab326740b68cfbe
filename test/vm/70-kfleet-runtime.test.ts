// kfleet itself against a real kernel, live changes only (apply: runtime), on vm1 of the shared
// fleet (booted with KFENCE off, never enabled): sampling on and off read back from the kernel,
// per-slab selection through upstream's skip_kfence, refusals for what upstream cannot do with
// the VM untouched, and `kfleet report` finding a real use-after-free.
//
// Per-slab selection is tested with apply: runtime only: for boot/both kfleet persists the
// selection with a systemd unit, and the guest has no systemd.
import assert from 'node:assert/strict';
import type { FleetVm, VmFleet } from './fleet.js';
import { kfleet, output, param, playbook, vmState, type KfleetEvent } from './kfleet-cli.js';
import { run, sharedFleet } from './shared.js';

function sampling(interval: number, extra = ''): string {
  return `name: runtime sampling ${interval}\nhosts: vms\nkfence:\n  mode: sampling\n  sample_interval: ${interval}\n  apply: runtime\n${extra}`;
}

function results(events: KfleetEvent[]): Record<string, unknown> {
  return Object.fromEntries(events.filter((e) => e.type === 'host.result').map((e) => [e.host, e.status]));
}

describe('kfleet on a real kernel: runtime changes (apply: runtime, vm1)', function () {
  let fleet: VmFleet;
  let vm: FleetVm;
  const limit = ['--limit', 'vm1', '--yes', '--json'];

  before(async function () {
    fleet = await sharedFleet();
    const v = fleet.vms[1];
    assert.ok(v, 'the shared fleet has vm1');
    vm = v;
  });

  it('turns sampling on from a kernel that never had KFENCE enabled (late enable), read back from the kernel', async function () {
    const before = await vmState(fleet, vm);
    assert.equal(before.kfenceEnabled, 'no stats', 'vm1 starts with KFENCE never enabled');
    const r = await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'rt-on', sampling(100))]);
    assert.equal(r.code, 0, output(r));
    assert.deepEqual(results(r.events), { vm1: 'changed' }, output(r));
    assert.equal(await param(fleet, vm, 'sample_interval'), '100');
    const after = await vmState(fleet, vm);
    assert.equal(after.kfenceEnabled, 'enabled: 1');
    assert.equal(after.bootId, before.bootId, 'a runtime change never reboots');
    assert.equal(after.diskArgs, before.diskArgs, 'apply: runtime leaves the boot entry alone');
    assert.match(await run(fleet, vm, 'dmesg | grep kfence:'), /kfence: initialized - using 2097152 bytes for 255 objects/);
  });

  it('changes the interval live, and a second apply of the same play changes nothing', async function () {
    const r = await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'rt-20', sampling(20))]);
    assert.equal(r.code, 0, output(r));
    assert.equal(await param(fleet, vm, 'sample_interval'), '20');
    const again = await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'rt-20', sampling(20))]);
    assert.equal(again.code, 0, output(again));
    assert.deepEqual(results(again.events), { vm1: 'ok' }, output(again));
    const plan = again.events.find((e) => e.type === 'host.plan');
    assert.equal(plan?.['changes'], 0);
  });

  it('turns sampling off (mode: off): the kernel reads 0 and stats say enabled: 0', async function () {
    const r = await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'rt-off', 'name: off\nhosts: vms\nkfence:\n  mode: "off"\n  apply: runtime\n')]);
    assert.equal(r.code, 0, output(r));
    assert.deepEqual(results(r.events), { vm1: 'changed' }, output(r));
    assert.equal(await param(fleet, vm, 'sample_interval'), '0');
    assert.equal((await vmState(fleet, vm)).kfenceEnabled, 'enabled: 0');
    assert.match(await run(fleet, vm, 'dmesg | tail -20'), /kfence: disabled/);
  });

  it('monitors only the selected caches through upstream skip_kfence (1 = skip on every other cache)', async function () {
    const r = await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'rt-slab', sampling(100, '  slabs: { only: [kmalloc-32, kmalloc-64] }\n'))]);
    assert.equal(r.code, 0, output(r));
    const state = await vmState(fleet, vm);
    const skip = new Map(state.skipKfence.trim().split('\n').map((l) => l.split(' ') as [string, string]));
    assert.ok(skip.size > 150, `the real kernel has ${skip.size} caches`);
    const monitored = [...skip].filter(([, v]) => v === '0').map(([k]) => k).sort();
    // On 6.12 the kmalloc caches are caches of their own, so nothing else shares their flag.
    assert.deepEqual(monitored, ['kmalloc-32', 'kmalloc-64']);
    assert.equal(await param(fleet, vm, 'sample_interval'), '100');
    const again = await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'rt-slab', sampling(100, '  slabs: { only: [kmalloc-32, kmalloc-64] }\n'))]);
    assert.deepEqual(results(again.events), { vm1: 'ok' }, output(again));
  });

  it('monitors every cache again when the play has no selection (the kernel default)', async function () {
    const r = await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'rt-all', sampling(100))]);
    assert.equal(r.code, 0, output(r));
    const state = await vmState(fleet, vm);
    assert.doesNotMatch(state.skipKfence, / 1$/m, 'no cache is skipped');
  });

  for (const [what, yaml, code] of [
    ['full mode (a negative interval)', 'name: full\nhosts: vms\nkfence:\n  mode: full\n  apply: runtime\n', /KNOB_UNSUPPORTED/],
    ['num_objects (the pool size is fixed at build time upstream)', sampling(50, '  num_objects: 511\n'), /KNOB_UNSUPPORTED/],
  ] as const) {
    it(`refuses ${what} at plan time and leaves the VM untouched`, async function () {
      const before = await vmState(fleet, vm);
      const r = await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'refused', yaml)]);
      assert.notEqual(r.code, 0, output(r));
      assert.deepEqual(results(r.events), { vm1: 'refused' }, output(r));
      const err = r.events.find((e) => e.type === 'host.result')?.['error'] as { code?: string } | undefined;
      assert.match(err?.code ?? '', code);
      assert.deepEqual(await vmState(fleet, vm), before, 'nothing on the VM changed');
    });
  }

  it('`kfleet report` finds the real use-after-free with its type, function and module', async function () {
    const on = await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'rt-1', sampling(1))]);
    assert.equal(on.code, 0, output(on));
    const ins = await run(fleet, vm, 'insmod /lib/modules/$(uname -r)/extra/kfleet_kfence_test.ko test=uaf && rmmod kfleet_kfence_test; dmesg | grep -c "BUG: KFENCE"');
    assert.equal(ins.trim(), '1', 'the module made the kernel report exactly one bug');
    const r = await kfleet(fleet, 'report', ['--limit', 'vm1', '--json']);
    assert.equal(r.code, 0, output(r));
    const doc = JSON.parse(r.stdout) as { findings: Array<{ kind: string; access: string; function: string; module: string; hosts: Array<{ host: string; count: number }>; example_report: { object: { cache: string; size: number } } }> };
    assert.equal(doc.findings.length, 1, output(r));
    const f = doc.findings[0]!;
    assert.equal(f.kind, 'use-after-free');
    assert.equal(f.access, 'read');
    assert.equal(f.function, 'kfleet_uaf_read');
    assert.equal(f.module, 'kfleet_kfence_test');
    assert.deepEqual(f.hosts.map((h) => [h.host, h.count]), [['vm1', 1]]);
    assert.deepEqual(f.example_report.object, { ...f.example_report.object, cache: 'kmalloc-32', size: 32 });
    const table = await kfleet(fleet, 'report', ['--limit', 'vm1']);
    assert.match(table.stdout, /use-after-free read\s+kfleet_uaf_read \[kfleet_kfence_test\]/, output(table));
    // Back to a quiet kernel for the rollout scenarios.
    await kfleet(fleet, 'apply', [...limit, playbook(fleet, 'rt-off', 'name: off\nhosts: vms\nkfence:\n  mode: "off"\n  apply: runtime\n')]);
  });
});
