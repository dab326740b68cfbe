// A KFENCE report from a boot that ended in a panic, found by `kfleet report` after the VM came
// back: a VM of its own ("vmp") whose RAM is a file that survives the supervisor's restart (as RAM
// survives a warm reset), with ramoops (pstore's RAM backend) in 1 MiB that memmap= keeps from the
// kernel. panic_on_warn makes the module's use-after-free report panic the kernel (panic=-1:
// reboot at once); the panic's kmsg dump goes to ramoops, and the next boot shows it as
// /sys/fs/pstore/dmesg-ramoops-N, which kfleet reads once. The witnesses: the panicking boot's
// serial console (QEMU's log) and the pstore file read directly.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DISK_ARGS, startVmFleet, type FleetVm, type VmFleet } from './fleet.js';
import { kfleet, output } from './kfleet-cli.js';
import { kfenceReports } from './kfence-log.js';
import { run } from './shared.js';

const P = '/sys/module/kfence/parameters';
const RAMOOPS = { address: 0x10000000, size: 0x100000, record: 0x20000 };
const RAMOOPS_ARGS = [
  `memmap=${RAMOOPS.size >> 20}M$0x${RAMOOPS.address.toString(16)}`,
  `ramoops.mem_address=0x${RAMOOPS.address.toString(16)}`,
  `ramoops.mem_size=0x${RAMOOPS.size.toString(16)}`,
  `ramoops.record_size=0x${RAMOOPS.record.toString(16)}`,
].join(' ');

/** The serial console of one boot of a VM (the supervisor marks where each boot starts). */
function consoleOfBoot(vm: FleetVm, n: number): string {
  const log = readFileSync(vm.config.consoleLog, 'utf8');
  const start = log.indexOf(`===== kfleet-vm ${vm.name}: boot ${n} at `);
  const end = log.indexOf(`===== kfleet-vm ${vm.name}: boot ${n + 1} at `);
  assert.ok(start >= 0, `boot ${n} in ${vm.config.consoleLog}`);
  return log.slice(start, end < 0 ? undefined : end);
}

interface ReportDoc {
  findings: Array<{ title: string; hosts: Array<{ host: string; count: number }> }>;
}

describe('real kernel: the report of a boot that panicked, found after the VM came back (ramoops, vmp)', function () {
  let fleet: VmFleet | undefined;
  let vm: FleetVm;

  before(async function () {
    fleet = await startVmFleet(1, { names: ['vmp'], persistentRam: true, args: `${DEFAULT_DISK_ARGS} ${RAMOOPS_ARGS}` });
    vm = fleet.vms[0]!;
  });
  after(async function () {
    await fleet?.stop();
  });

  it('has ramoops registered with the reserved region, and pstore mounted and empty', async function () {
    const f = fleet!;
    assert.equal(BigInt((await run(f, vm, 'cat /sys/module/ramoops/parameters/mem_address')).trim()), BigInt(RAMOOPS.address));
    assert.match(await run(f, vm, 'grep pstore /proc/mounts'), /^pstore \/sys\/fs\/pstore pstore /m);
    assert.equal((await run(f, vm, 'ls /sys/fs/pstore')).trim(), '', 'nothing from an earlier boot (a new RAM file)');
  });

  it('panics on the KFENCE report (panic_on_warn), comes back, and kfleet report finds the report in pstore', async function () {
    const f = fleet!;
    const boot = vm.bootCount;
    const bootId = (await run(f, vm, 'cat /proc/sys/kernel/random/boot_id')).trim();
    // Every level on the console, so the panicking boot's console capture holds the whole report.
    await run(f, vm, `dmesg -n 8; echo 1 > /proc/sys/kernel/panic_on_warn; echo 1 > ${P}/sample_interval; setsid sh -c 'sleep 1; insmod ${f.assets.guestKmod} test=uaf' </dev/null >/dev/null 2>&1 &`);
    await vm.waitForReboot(boot, 120_000);

    // The witness of the panicking boot: its serial console.
    const panicked = consoleOfBoot(vm, boot).replace(/\r/g, '');
    assert.match(panicked, /Kernel panic - not syncing: KFENCE: panic_on_warn set/);
    const reports = kfenceReports(panicked.split('\n').map((l) => l.replace(/^.*?(?=\[\s*\d+\.\d+\])/, '')).join('\n'));
    assert.equal(reports.length, 1, 'the panicking boot printed one report');
    const title = reports[0]![0]!.replace(/^BUG: /, '').replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kfleet_kfence_test\]$/, '');
    assert.equal(title, 'KFENCE: use-after-free read in kfleet_uaf_read');

    // The new boot: another boot id, a clean ring buffer, the panic's record in pstore.
    assert.notEqual((await run(f, vm, 'cat /proc/sys/kernel/random/boot_id')).trim(), bootId);
    assert.equal((await run(f, vm, 'dmesg | grep -c "BUG: KFENCE" || true')).trim(), '0');
    const files = (await run(f, vm, 'ls /sys/fs/pstore')).trim().split('\n');
    assert.ok(files.some((n) => /^dmesg-ramoops-\d+$/.test(n)), `a dmesg record in pstore: ${files.join(' ')}`);
    assert.match(await run(f, vm, 'cat /sys/fs/pstore/dmesg-ramoops-*'), /BUG: KFENCE: use-after-free read in kfleet_uaf_read/);

    const r = await kfleet(f, 'report', ['--json']);
    assert.equal(r.code, 0, output(r));
    const doc = JSON.parse(r.stdout) as ReportDoc;
    assert.deepEqual(doc.findings.map((x) => [x.title, x.hosts.map((h) => [h.host, h.count])]), [[title, [['vmp', 1]]]], output(r));

    // The same boot's console capture, saved, gives the same finding.
    const capture = join(f.runDir, 'vmp-panic.console.txt');
    writeFileSync(capture, consoleOfBoot(vm, boot));
    const c = await kfleet(f, 'report', ['--log', capture, '--json']);
    assert.deepEqual((JSON.parse(c.stdout) as ReportDoc).findings.map((x) => x.title), [title], output(c));
  });
});
