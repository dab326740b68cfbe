// --symbolize --debug-dir: real ELF files built here with gcc -g (a relocatable object laid out
// like a module, a linked image like vmlinux), frames placed at instructions read from objdump's
// disassembly, and the expected lines read from the C source's markers: the witness is the
// source, not the tool kfleet calls.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import { symbolizeReports } from '../../src/report/symbolize.js';
import type { KfenceReport } from '../../src/report/types.js';
import { disasm, hex, lineOf, returnAddressIn, SRC } from './symbolize-elf-helpers.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RELEASE = '6.12.0-kfleet-test';

describe('report --symbolize: frames to file:line with real debug info', function () {
  this.timeout(60_000);
  let dir = '';
  let debug = '';
  let report = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfleet-sym-'));
    debug = join(dir, 'debug');
    const c = join(SRC, 'kfleet_kfence_test.c');
    const ko = join(dir, 'kfleet_kfence_test.ko');
    const vmlinux = join(dir, 'vmlinux');
    execFileSync('gcc', ['-g', '-O1', '-c', c, '-o', ko]);
    execFileSync('gcc', ['-g', '-O1', '-Wl,--build-id=sha1', c, join(SRC, 'main.c'), '-o', vmlinux]);
    // module by release, vmlinux by release, and the same image again by build id only
    mkdirSync(join(debug, 'lib/modules', RELEASE, 'extra'), { recursive: true });
    copyFileSync(ko, join(debug, 'lib/modules', RELEASE, 'extra/kfleet_kfence_test.ko'));
    mkdirSync(join(debug, 'usr/lib/debug/boot'), { recursive: true });
    copyFileSync(vmlinux, join(debug, `usr/lib/debug/boot/vmlinux-${RELEASE}`));
    const buildId = /Build ID: ([0-9a-f]+)/.exec(execFileSync('readelf', ['-n', vmlinux], { encoding: 'utf8' }))![1]!;
    mkdirSync(join(debug, 'usr/lib/debug/.build-id', buildId.slice(0, 2)), { recursive: true });
    copyFileSync(vmlinux, join(debug, 'usr/lib/debug/.build-id', buildId.slice(0, 2), `${buildId.slice(2)}.debug`));

    const read = disasm(ko, 'kfleet_read_field');
    const load = read.find(([, t]) => t.includes('(%rdi'))![0];
    const ret = returnAddressIn(ko, 'kfleet_uaf_read');
    const vret = returnAddressIn(vmlinux, 'kfleet_uaf_read');
    report = [
      '==================================================================',
      `BUG: KFENCE: use-after-free read in kfleet_read_field+${hex(load)}/0x7 [kfleet_kfence_test]`,
      '',
      'Use-after-free read at 0xffff888004a1c00c (in kfence-#9):',
      ` kfleet_read_field+${hex(load)}/0x7 [kfleet_kfence_test]`,
      ` kfleet_uaf_read+${hex(ret)}/0xf [kfleet_kfence_test]`,
      ' kfleet_not_there+0x10/0x40 [kfleet_kfence_test]',
      ` kfleet_uaf_read+${hex(vret)}/0xf`,
      ` kfleet_uaf_read+${hex(vret)}/0xf [built_elsewhere ${buildId}]`,
      ' ext4_readdir+0x10/0x40 [ext4]',
      '',
      'kfence-#9: 0xffff888004a1c000-0xffff888004a1c01f, size=32, cache=kmalloc-32',
      '',
      `CPU: 0 UID: 0 PID: 232 Comm: insmod Tainted: G    B      OE      ${RELEASE} #1`,
      'Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)',
      '==================================================================',
    ].join('\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const check = (r: KfenceReport): void => {
    const [top, ret, missing, vm, byId, noFile] = r.access_stack;
    assert.deepEqual(top?.source?.map((l) => [l.fn, l.file.endsWith('kfleet_kfence_test.c'), l.line]), [['kfleet_read_field', true, lineOf('LINE:read')]]);
    assert.deepEqual(ret?.source?.map((l) => [l.fn, l.line]), [['kfleet_inline_helper', lineOf('LINE:inline-call')], ['kfleet_uaf_read', lineOf('LINE:caller')]], 'the inlined helper, then its caller');
    assert.match(missing?.unresolved ?? '', /kfleet_not_there is not in/);
    assert.equal(missing?.source, undefined);
    assert.deepEqual(vm?.source?.map((l) => l.line), [lineOf('LINE:inline-call'), lineOf('LINE:caller')], 'vmlinux found by release');
    assert.deepEqual(byId?.source?.map((l) => l.line), [lineOf('LINE:inline-call'), lineOf('LINE:caller')], 'found by build id');
    assert.match(noFile?.unresolved ?? '', /no debug file for ext4/);
  };

  it('resolves module and vmlinux frames (inlines included) and marks the rest', () => {
    const hr = { host: 'h', reports: parseDmesg(report).reports };
    const n = symbolizeReports([hr], { debugDirs: [debug] });
    assert.deepEqual(n, { resolved: 4, unresolved: 2 });
    check(hr.reports[0]!);
  });

  it('kfleet report --log FILE --symbolize --debug-dir DIR: in --json', async () => {
    const log = join(dir, 'console.txt');
    writeFileSync(log, report.split('\n').map((l, i) => `[   10.${String(100000 + i).slice(1)}0] ${l}`).join('\n') + '\n');
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('node', [join(ROOT, 'bin/kfleet.js'), 'report', '--log', log, '--symbolize', '--debug-dir', debug, '--json'], (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr })),
    );
    assert.equal(out.code, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as { findings: { example_report: KfenceReport }[] };
    check(doc.findings[0]!.example_report);
  });
});
