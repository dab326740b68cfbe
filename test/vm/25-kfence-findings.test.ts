// A real KFENCE report (the test module's use-after-free, on vm0) read by `kfleet report` as an
// SRE would have it: saved logs of several shapes captured here from the real kernel (the serial
// console, busybox `dmesg` with stamps, `dmesg -r` with levels, dmesg with printk stamps turned
// off, util-linux `dmesg -T` and `--time-format iso`) must give the same finding, titled as
// syzkaller titles it; and the report's module frames symbolized to the test module's source
// lines with the unstripped .ko kept on the controller (the guest runs the stripped copy).
// Captures stay in the run directory (test/vm/.cache/run/<run>/captures/).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { FleetVm, VmFleet } from './fleet.js';
import { kfleet, output } from './kfleet-cli.js';
import { KMOD_SRC } from './paths.js';
import { buildIdOf } from './build/kmod.js';
import { UTIL_LINUX_DMESG } from './build/initramfs.js';
import { run, sharedFleet } from './shared.js';
import { kfenceReports } from './kfence-log.js';
import type { KfenceReport, SourceLocation } from '../../src/report/types.js';

const P = '/sys/module/kfence/parameters';
const SOURCE = 'kfleet_kfence_test.c';

/** The line of the module's source marked `LINE:<name>`. */
function lineOf(name: string): number {
  const n = readFileSync(join(KMOD_SRC, SOURCE), 'utf8').split('\n').findIndex((l) => l.includes(`/* LINE:${name} */`)) + 1;
  assert.ok(n > 0, `marker LINE:${name} in ${SOURCE}`);
  return n;
}

/** The innermost location of a frame that is in the test module's source file. */
const ours = (src: SourceLocation[] | undefined): SourceLocation | undefined => src?.find((l) => basename(l.file) === SOURCE);

interface ReportDoc {
  findings: Array<{ title: string; hosts: Array<{ host: string; count: number }>; example_report: KfenceReport }>;
}

/** Reads the console log from `offset` until `done` holds (the serial console lags the ring buffer). */
async function consoleSince(vm: FleetVm, offset: number, done: (text: string) => boolean, timeoutMs = 30_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readFileSync(vm.config.consoleLog).subarray(offset).toString('utf8');
    if (done(text) || Date.now() > deadline) return text;
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('real kernel: kfleet report on saved captures and --symbolize (vm0)', function () {
  let fleet: VmFleet;
  let vm: FleetVm;
  let captures: Record<string, string>;
  let bugLine = '';
  let loadedBuildId = '';

  before(async function () {
    fleet = await sharedFleet();
    const first = fleet.vms[0];
    assert.ok(first);
    vm = first;
    const dir = join(fleet.runDir, 'captures');
    mkdirSync(dir, { recursive: true });
    // Every level on the console (the VMs boot `quiet`, which keeps the stack lines, printed at
    // the default level, off it), a 1 ms sampling interval, an empty ring buffer.
    await run(fleet, vm, `dmesg -n 8; echo 1 > ${P}/sample_interval && dmesg -c >/dev/null`);
    const offset = statSync(vm.config.consoleLog).size;
    const notes = '/sys/module/kfleet_kfence_test/notes/.note.gnu.build-id';
    const out = await run(fleet, vm, `insmod ${fleet.assets.guestKmod} test=uaf && od -An -v -tx1 ${notes}; rmmod kfleet_kfence_test; dmesg -n 4; echo 0 > ${P}/sample_interval`);
    // The note: namesz, descsz, type (4 bytes each), "GNU\0", then the build id.
    loadedBuildId = out.replace(/\s+/g, '').slice(32);
    const dmesg = await run(fleet, vm, 'dmesg');
    const reports = kfenceReports(dmesg);
    assert.equal(reports.length, 1, 'the module made the kernel report exactly one bug');
    bugLine = reports[0]![0]!;
    const raw = await run(fleet, vm, 'dmesg -r');
    const plain = await run(fleet, vm, 'echo N > /sys/module/printk/parameters/time; dmesg; echo Y > /sys/module/printk/parameters/time');
    const ctime = await run(fleet, vm, `${UTIL_LINUX_DMESG} -T`);
    const iso = await run(fleet, vm, `${UTIL_LINUX_DMESG} --time-format iso`);
    const console = await consoleSince(vm, offset, (t) => /Hardware name: .*\r?\n.*={60,}/.test(t));
    captures = { console, dmesg, 'dmesg-r': raw, 'dmesg-nostamp': plain, 'dmesg-T': ctime, 'dmesg-iso': iso };
    for (const [name, text] of Object.entries(captures)) {
      const path = join(dir, `vm0-uaf.${name}.txt`);
      writeFileSync(path, text);
      captures[name] = path;
    }
    // The shapes really differ: stamps, raw levels, neither; the console's CRLF.
    assert.match(dmesg, /^\[ *\d+\.\d{6}\] BUG: KFENCE: /m);
    assert.match(raw, /^<3>\[ *\d+\.\d{6}\] BUG: KFENCE: /m);
    assert.match(plain, /^BUG: KFENCE: /m);
    assert.match(console, /BUG: KFENCE: .*\r\n/);
    assert.match(ctime, /^\[\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}\] BUG: KFENCE: /m);
    assert.match(iso, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d,\d{6}[+-]\d\d:\d\d BUG: KFENCE: /m);
  });

  it('finds one bug in every capture, titled as syzkaller titles it', async function () {
    // syzkaller's KFENCE title is the BUG line without "BUG: " and the frame's offset, the guilty
    // frame being the faulting function itself (kfleet_uaf_read is in none of its skip lists).
    const expected = bugLine.replace(/^BUG: /, '').replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+ \[kfleet_kfence_test\]$/, '');
    assert.equal(expected, 'KFENCE: use-after-free read in kfleet_uaf_read');
    const files = Object.values(captures);
    const r = await kfleet(fleet, 'report', ['--log', ...files, '--json']);
    assert.equal(r.code, 0, output(r));
    const doc = JSON.parse(r.stdout) as ReportDoc;
    assert.deepEqual(doc.findings.map((f) => f.title), [expected], output(r));
    assert.deepEqual(doc.findings[0]!.hosts.map((h) => [h.host, h.count]).sort(), files.map((f) => [f, 1]).sort(), 'once in each capture');
    // Each capture holds the whole report: every frame of its three stacks, the closing rule.
    // syzkaller would call it corrupted all the same ("no stack trace in report"): its check wants
    // a `Call Trace:` (or KASAN's `Allocated by task N:`), and KFENCE prints the registers and
    // call trace only under no_hash_pointers (syzbot's setting; this kernel hashes pointers).
    const shape = (r: KfenceReport) => [r.truncated, r.access_stack.length, r.allocated?.stack.length, r.freed?.stack.length, r.corrupted_reason];
    const whole = shape(doc.findings[0]!.example_report);
    assert.deepEqual(whole.slice(0, 1), [false]);
    assert.ok(whole.slice(1, 4).every((n) => typeof n === 'number' && n >= 2), `frames in every stack: ${JSON.stringify(whole)}`);
    assert.equal(whole[4], 'no stack trace in report');
    for (const f of files) {
      const one = await kfleet(fleet, 'report', ['--log', f, '--json']);
      const d = JSON.parse(one.stdout) as ReportDoc;
      assert.deepEqual(shape(d.findings[0]!.example_report), whole, `${basename(f)}: the same report`);
    }
  });

  it('symbolizes the module frames of the real report to the source lines, from the unstripped .ko on the controller', async function () {
    const debug = fleet.assets.kmodDebug;
    assert.equal(loadedBuildId, await buildIdOf(debug), 'the debug file is the module the guest ran (same build id)');
    const sections = execFileSync('readelf', ['-W', '-S', fleet.assets.kmod], { encoding: 'utf8' });
    assert.doesNotMatch(sections, / \.debug_line /, 'the guest module has no line information of its own');
    // From the live host (--debug-file), and from a saved capture (--debug-dir: the build directory).
    const live = await kfleet(fleet, 'report', ['--limit', 'vm0', '--symbolize', '--debug-file', debug, '--json']);
    const saved = await kfleet(fleet, 'report', ['--log', captures['dmesg-nostamp']!, '--symbolize', '--debug-dir', dirname(debug), '--json']);
    for (const r of [live, saved]) {
      assert.equal(r.code, 0, output(r));
      const doc = JSON.parse(r.stdout) as ReportDoc;
      assert.equal(doc.findings.length, 1, output(r));
      const rep = doc.findings[0]!.example_report;
      const [top, caller] = rep.access_stack;
      assert.equal(top?.fn, 'kfleet_uaf_read');
      assert.deepEqual(ours(top?.source)?.line, lineOf('uaf-read'), `the faulting read: ${JSON.stringify(top)}`);
      assert.equal(caller?.fn, 'kfleet_kfence_test_init', 'init, in .init.text');
      assert.deepEqual(ours(caller?.source)?.line, lineOf('call'), `the call in init: ${JSON.stringify(caller)}`);
      const freed = rep.freed?.stack[0];
      assert.equal(freed?.fn, 'kfleet_uaf_read');
      assert.deepEqual(ours(freed?.source)?.line, lineOf('uaf-free'), `the kfree call: ${JSON.stringify(freed)}`);
      const alloc = rep.allocated?.stack.find((f) => f.module === 'kfleet_kfence_test');
      assert.deepEqual(ours(alloc?.source)?.line, lineOf('alloc'), `the kmalloc call: ${JSON.stringify(alloc)}`);
      const kernel = rep.access_stack.filter((f) => f.module === null);
      assert.ok(kernel.length > 0 && kernel.every((f) => /^no debug file for vmlinux/.test(f.unresolved ?? '')), 'vmlinux frames stay as printed, marked (no vmlinux debug file here)');
    }
  });
});
