// --symbolize on what a real module's frames need beyond a plain lookup: a function in another
// text section of the same relocatable file (offsets of .text and .text.unlikely both start at
// 0), the first frame of a free stack (a return address, unlike the faulting instruction of the
// access stack), two static functions of one name told apart by the printed size, and a module's
// debug file named with --debug-file. Built here with gcc -g / ld -r; expected lines from markers.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import { symbolizeReports } from '../../src/report/symbolize.js';
import { disasm, hex, lineOf, returnAddressIn, SRC } from './symbolize-elf-helpers.js';

/** The kallsyms-style size (distance to the next symbol, or to the end of .text) of each definition of name, from nm and size. */
function nmSizes(file: string, name: string): number[] {
  const rows = execFileSync('nm', ['-n', '--defined-only', file], { encoding: 'utf8' })
    .split('\n')
    .map((l) => /^([0-9a-f]+) [tT] (\S+)$/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => [parseInt(m[1]!, 16), m[2]!] as const);
  const end = parseInt(/\.text\s+(\d+)/.exec(execFileSync('size', ['-A', file], { encoding: 'utf8' }))![1]!, 10);
  return rows.flatMap(([v, n], i) => (n === name ? [(rows.slice(i + 1).find(([w]) => w > v)?.[0] ?? end) - v] : []));
}

describe('report --symbolize: module sections, return addresses, duplicate names, --debug-file', function () {
  this.timeout(60_000);
  let dir = '';
  let ko = '';
  let dup = '';

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfleet-symsec-'));
    ko = join(dir, 'kfleet_kfence_test.ko');
    dup = join(dir, 'kfleet-dup.ko');
    execFileSync('gcc', ['-g', '-O1', '-c', join(SRC, 'kfleet_kfence_test.c'), '-o', ko]);
    for (const f of ['dup_a', 'dup_b']) execFileSync('gcc', ['-g', '-O1', '-c', join(SRC, `${f}.c`), '-o', join(dir, `${f}.o`)]);
    execFileSync('ld', ['-r', '-o', dup, join(dir, 'dup_a.o'), join(dir, 'dup_b.o')]);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('resolves each frame in its own section, the free stack as return addresses, a duplicate by size', () => {
    const sections = execFileSync('readelf', ['-W', '-s', ko], { encoding: 'utf8' });
    assert.match(sections, / 0+ +\d+ FUNC .* kfleet_cold_read$/m, 'precondition: kfleet_cold_read starts at offset 0 of its section');
    assert.match(sections, / 0+ +\d+ FUNC .* kfleet_read_field$/m, 'precondition: so does kfleet_read_field, in another one');
    const cold = disasm(ko, 'kfleet_cold_read').find(([, t]) => t.includes('(%rdi'))![0];
    const ret = returnAddressIn(ko, 'kfleet_uaf_read');
    const sizes = nmSizes(dup, 'kfleet_dup');
    assert.equal(sizes.length, 2);
    assert.notEqual(sizes[0], sizes[1], 'precondition: the two kfleet_dup differ in size');
    const report = [
      '==================================================================',
      `BUG: KFENCE: out-of-bounds read in kfleet_cold_read+${hex(cold)}/0x5 [kfleet_kfence_test]`,
      '',
      'Out-of-bounds read at 0xffff888004a1c020 (32B right of kfence-#9):',
      ` kfleet_cold_read+${hex(cold)}/0x5 [kfleet_kfence_test]`,
      ` kfleet_dup+0x0/${hex(sizes[1]!)} [kfleet_dup]`,
      ` kfleet_dup+0x0/${hex(sizes[0]!)} [kfleet_dup]`,
      '',
      'kfence-#9: 0xffff888004a1c000-0xffff888004a1c01f, size=32, cache=kmalloc-32',
      '',
      'allocated by task 232 on cpu 0 at 10.100000s (0.000200s ago):',
      ` kfleet_uaf_read+${hex(ret)}/0xf [kfleet_kfence_test]`,
      '',
      'freed by task 232 on cpu 0 at 10.100100s (0.000100s ago):',
      ` kfleet_uaf_read+${hex(ret)}/0xf [kfleet_kfence_test]`,
      '',
      'CPU: 0 UID: 0 PID: 232 Comm: insmod Tainted: G    B      OE      6.12.0-kfleet-test #1',
      'Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)',
      '==================================================================',
    ].join('\n');
    const hr = { host: 'h', reports: parseDmesg(report).reports };
    const n = symbolizeReports([hr], { debugDirs: [], debugFiles: [ko, dup] });
    assert.deepEqual(n, { resolved: 5, unresolved: 0 });
    const r = hr.reports[0]!;
    const [top, second, first] = r.access_stack;
    assert.deepEqual(top?.source?.map((l) => [l.fn, l.line]), [['kfleet_cold_read', lineOf('LINE:cold')]], 'in .text.unlikely, not what .text has at that offset');
    assert.ok(second?.source?.[0]?.file.endsWith('dup_b.c'), `the kfleet_dup of size ${sizes[1]} is dup_b.c's: ${JSON.stringify(second?.source)}`);
    assert.ok(first?.source?.[0]?.file.endsWith('dup_a.c'), `the kfleet_dup of size ${sizes[0]} is dup_a.c's: ${JSON.stringify(first?.source)}`);
    const call = [['kfleet_inline_helper', lineOf('LINE:inline-call')], ['kfleet_uaf_read', lineOf('LINE:caller')]];
    assert.deepEqual(r.freed?.stack[0]?.source?.map((l) => [l.fn, l.line]), call, 'the first free frame is a return address: the call line');
    assert.deepEqual(r.allocated?.stack[0]?.source?.map((l) => [l.fn, l.line]), call);
  });

  it('kfleet report --symbolize without --debug-dir or --debug-file is an input error saying what to give', async () => {
    const bin = fileURLToPath(new URL('../../bin/kfleet.js', import.meta.url));
    const out = await new Promise<{ code: number; stderr: string }>((resolve) =>
      execFile('node', [bin, 'report', '--log', join(SRC, 'main.c'), '--symbolize'], (err, _o, stderr) => resolve({ code: Number((err as { code?: number } | null)?.code ?? 0), stderr })),
    );
    assert.equal(out.code, 2, out.stderr);
    assert.match(out.stderr, /--symbolize needs --debug-dir DIR or --debug-file FILE/);
  });

  it('names the debug file it looked for when a module has none', () => {
    const hr = { host: 'h', reports: parseDmesg(['BUG: KFENCE: use-after-free read in ext4_readdir+0x10/0x40 [ext4]', '', 'Use-after-free read at 0x1 (in kfence-#1):', ' ext4_readdir+0x10/0x40 [ext4]', ''].join('\n')).reports };
    const n = symbolizeReports([hr], { debugDirs: [dir], debugFiles: [ko] });
    assert.deepEqual(n, { resolved: 0, unresolved: 1 });
    assert.equal(hr.reports[0]!.access_stack[0]!.unresolved, `no debug file for ext4 in ${ko}, ${dir}`);
  });
});
