// A real KFENCE report: the test module (test/fixtures/kmod) does a use-after-free read and an
// out-of-bounds read on KFENCE objects; the kernel must report both in dmesg in the upstream
// format (kfence-interface.md §4.2) and count them in stats.
import assert from 'node:assert/strict';
import type { FleetVm, VmFleet } from './fleet.js';
import { kfenceReports } from './kfence-log.js';
import { run, sh, sharedFleet } from './shared.js';

const P = '/sys/module/kfence/parameters';
const STATS = '/sys/kernel/debug/kfence/stats';

async function totalBugs(fleet: VmFleet, vm: FleetVm): Promise<number> {
  const m = /^total bugs: (\d+)$/m.exec(await run(fleet, vm, `cat ${STATS}`));
  assert.ok(m?.[1], 'stats has a "total bugs" line');
  return Number(m[1]);
}

describe('real kernel: a real KFENCE report from the test module', function () {
  let fleet: VmFleet;
  let vm: FleetVm;
  let module: string;

  before(async function () {
    fleet = await sharedFleet();
    const first = fleet.vms[0];
    assert.ok(first);
    vm = first;
    module = fleet.assets.guestKmod;
    // A 1 ms interval: the module's allocation loop gets a KFENCE object within milliseconds.
    await run(fleet, vm, `echo 1 > ${P}/sample_interval && dmesg -c >/dev/null`);
  });

  it('reports a use-after-free read with its function, module, object and stacks; stats count it', async function () {
    const before = await totalBugs(fleet, vm);
    await run(fleet, vm, `insmod ${module} test=uaf && rmmod kfleet_kfence_test`);
    const reports = kfenceReports(await run(fleet, vm, 'dmesg'));
    assert.equal(reports.length, 1, 'exactly one KFENCE report');
    const r = reports[0] ?? [];
    const text = r.join('\n');
    assert.match(r[0] ?? '', /^BUG: KFENCE: use-after-free read in kfleet_uaf_read\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kfleet_kfence_test\]$/);
    assert.match(text, /^Use-after-free read at 0x[0-9a-f]+ \(in kfence-#\d+\):$/m);
    assert.match(text, /^kfence-#\d+: 0x[0-9a-f]+-0x[0-9a-f]+, size=32, cache=kmalloc-32$/m);
    assert.match(text, /^allocated by task \d+ on cpu 0 at \d+\.\d+s/m);
    assert.match(text, /^freed by task \d+ on cpu 0 at \d+\.\d+s/m);
    assert.match(text, /^ kfleet_kfence_test_init\+0x/m);
    assert.equal(await totalBugs(fleet, vm), before + 1);
  });

  it('reports out-of-bounds reads into the guard pages left and right of KFENCE objects', async function () {
    await run(fleet, vm, 'dmesg -c >/dev/null');
    const before = await totalBugs(fleet, vm);
    // KFENCE measures a right-side access from the object's start: p[32] of a 32-byte object at
    // the right end of its page is "32B right"; p[-1] of one at the left end is "1B left".
    for (const [side, where] of [['left', '1B left'], ['right', '32B right']] as const) {
      await run(fleet, vm, `dmesg -c >/dev/null; insmod ${module} test=oob side=${side} && rmmod kfleet_kfence_test`);
      const reports = kfenceReports(await run(fleet, vm, 'dmesg'));
      assert.equal(reports.length, 1, `exactly one KFENCE report (${side})`);
      const r = reports[0] ?? [];
      assert.match(r[0] ?? '', /^BUG: KFENCE: out-of-bounds read in kfleet_oob_read\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kfleet_kfence_test\]$/);
      const text = r.join('\n');
      assert.match(text, new RegExp(`^Out-of-bounds read at 0x[0-9a-f]+ \\(${where} of kfence-#\\d+\\):$`, 'm'));
      assert.match(text, /^kfence-#\d+: 0x[0-9a-f]+-0x[0-9a-f]+, size=32, cache=kmalloc-32$/m);
    }
    assert.equal(await totalBugs(fleet, vm), before + 2);
  });

  it('finds no KFENCE object while KFENCE is off, and the kernel reports nothing', async function () {
    await run(fleet, vm, `echo 0 > ${P}/sample_interval && dmesg -c >/dev/null`);
    const r = await sh(fleet, vm, `insmod ${module} test=uaf timeout_ms=300`);
    assert.notEqual(r.code, 0);
    const dmesg = await run(fleet, vm, 'dmesg');
    assert.match(dmesg, /kfleet_kfence_test: no KFENCE object after \d+ allocations/);
    assert.equal(kfenceReports(dmesg).length, 0);
  });
});
