// The real kernel's KFENCE interface (Debian 6.12, upstream semantics), read over the real
// OpenSSH client from a VM booted without any kfence.* argument. These expectations are what
// kfence-interface.md §1, §2.2, §4, §5.2 and §6 say about upstream >= 6.12; a test fails when
// the kernel disagrees.
import assert from 'node:assert/strict';
import { BASE_ARGS, DEFAULT_DISK_ARGS, type VmFleet } from './fleet.js';
import { run, sh, sharedFleet } from './shared.js';
import type { FleetVm } from './fleet.js';

const P = '/sys/module/kfence/parameters';
const STATS = '/sys/kernel/debug/kfence/stats';

describe('real kernel: KFENCE at runtime (Debian 6.12, booted with KFENCE off)', function () {
  let fleet: VmFleet;
  let vm: FleetVm;

  before(async function () {
    fleet = await sharedFleet();
    const first = fleet.vms[0];
    assert.ok(first);
    vm = first;
  });

  it('boots Debian 6.12 with the supervisor\'s command line and answers SSH with its pinned host key', async function () {
    const out = await run(fleet, vm, 'cat /proc/cmdline; uname -r; uname -m; . /etc/os-release; echo "$ID $VERSION_ID"; hostname');
    const [cmdline, release, arch, os, host] = out.trim().split('\n');
    assert.equal(cmdline, `${BASE_ARGS} ${DEFAULT_DISK_ARGS}`);
    assert.equal(release, fleet.assets.kernel.release);
    assert.equal(arch, 'x86_64');
    assert.equal(os, 'debian 12');
    assert.equal(host, vm.name);
  });

  it('has exactly the upstream parameter files with their sysfs modes, and no debugfs dir while never enabled', async function () {
    const out = await run(fleet, vm, `cd ${P} && for f in *; do echo "$f $(stat -c %a "$f") $(cat "$f")"; done; test -e /sys/kernel/debug/kfence && echo debugfs-present || echo debugfs-absent`);
    assert.deepEqual(out.trim().split('\n'), [
      'burst 644 0',
      'check_on_panic 444 N',
      'deferrable 444 N',
      'sample_interval 600 0',
      'skip_covered_thresh 644 75',
      'debugfs-absent',
    ]);
  });

  it('enables late with `echo 100 > sample_interval`: pool allocated, debugfs stats appear with enabled: 1', async function () {
    await run(fleet, vm, `echo 100 > ${P}/sample_interval`);
    const out = await run(fleet, vm, `cat ${P}/sample_interval; head -n 1 ${STATS}; dmesg | grep 'kfence: initialized'`);
    const [value, enabled, init] = out.trim().split('\n');
    assert.equal(value, '100');
    assert.equal(enabled, 'enabled: 1');
    assert.match(init ?? '', /kfence: initialized - using 2097152 bytes for 255 objects at 0x/);
  });

  it('rejects a negative or non-numeric interval with EINVAL and keeps the old value', async function () {
    for (const bad of ['-1', 'abc']) {
      const r = await sh(fleet, vm, `echo ${bad} > ${P}/sample_interval`);
      assert.notEqual(r.code, 0, `echo ${bad} must fail`);
      assert.match(r.stderr, /Invalid argument/);
    }
    assert.equal((await run(fleet, vm, `cat ${P}/sample_interval`)).trim(), '100');
  });

  it('refuses writes to the 0444 parameters with EACCES, even for root', async function () {
    const r = await sh(fleet, vm, `echo 1 > ${P}/deferrable`);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Permission denied/);
  });

  it('disables with 0 (stats enabled: 0, dir kept) and re-enables the existing pool', async function () {
    await run(fleet, vm, `echo 0 > ${P}/sample_interval`);
    const off = await run(fleet, vm, `cat ${P}/sample_interval; head -n 1 ${STATS}; dmesg | grep -c 'kfence: disabled'`);
    assert.deepEqual(off.trim().split('\n'), ['0', 'enabled: 0', '1']);
    await run(fleet, vm, `echo 50 > ${P}/sample_interval`);
    const on = await run(fleet, vm, `cat ${P}/sample_interval; head -n 1 ${STATS}; dmesg | grep -c 'kfence: re-enabled'`);
    assert.deepEqual(on.trim().split('\n'), ['50', 'enabled: 1', '1']);
  });

  it('takes burst at runtime and keeps upstream skip_kfence per slab (1 = skip; only 0/1 accepted)', async function () {
    await run(fleet, vm, `echo 5 > ${P}/burst`);
    assert.equal((await run(fleet, vm, `cat ${P}/burst`)).trim(), '5');
    await run(fleet, vm, `echo 0 > ${P}/burst`);
    const slab = '/sys/kernel/slab/kmalloc-32/skip_kfence';
    assert.equal((await run(fleet, vm, `stat -c %a ${slab}; cat ${slab}`)).trim(), '600\n0');
    await run(fleet, vm, `echo 1 > ${slab}`);
    assert.equal((await run(fleet, vm, `cat ${slab}`)).trim(), '1');
    const bad = await sh(fleet, vm, `echo y > ${slab}`);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /Invalid argument/);
    await run(fleet, vm, `echo 0 > ${slab}`);
    assert.equal((await run(fleet, vm, `cat ${slab}`)).trim(), '0');
    const none = await run(fleet, vm, 'ls /sys/kernel/slab/kmalloc-32 | grep -c kfence_enable || true');
    assert.equal(none.trim(), '0', 'upstream has no Alinux kfence_enable');
  });
});
