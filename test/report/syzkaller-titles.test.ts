// kfleet's titles on syzkaller's own KFENCE test cases (test/report/syzkaller/, 10 cases at
// SYZKALLER_COMMIT): the title, the alternative titles and the corrupted marking must be
// syzkaller's, with the log parsed by kfleet's own parser (console prefixes, [T123] ids).
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import { sanitizeSyzTitle, syzTitle, SYZKALLER_COMMIT } from '../../src/report/syz-title.js';

const DIR = fileURLToPath(new URL('./syzkaller/', import.meta.url));

interface Case {
  name: string;
  title: string;
  alt: string[];
  corrupted: boolean;
  log: string;
}

function load(name: string): Case {
  const text = readFileSync(DIR + name, 'utf8');
  const cut = text.indexOf('\n\n');
  const c: Case = { name, title: '', alt: [], corrupted: false, log: text.slice(cut + 2) };
  for (const h of text.slice(0, cut).split('\n')) {
    if (h.startsWith('TITLE: ')) c.title = h.slice(7);
    else if (h.startsWith('ALT: ')) c.alt.push(h.slice(5));
    else if (h.startsWith('CORRUPTED: ')) c.corrupted = h.slice(11) === 'Y';
  }
  c.alt.sort();
  return c;
}

const cases = readdirSync(DIR).filter((f) => f.endsWith('.txt')).sort().map(load);

describe(`report/syz-title: syzkaller's KFENCE test cases (syzkaller ${SYZKALLER_COMMIT.slice(0, 12)})`, () => {
  it('has every KFENCE case of syzkaller (10)', () => {
    assert.equal(cases.length, 10);
    assert.ok(cases.every((c) => c.title.startsWith('KFENCE: ')));
  });

  for (const c of cases) {
    it(`${c.name}: ${c.title}`, () => {
      const { reports } = parseDmesg(c.log);
      assert.equal(reports.length, 1, 'one report');
      const r = reports[0]!;
      assert.equal(r.title, c.title);
      assert.deepEqual(r.alt_titles, c.alt);
      assert.equal(r.corrupted_reason !== null, c.corrupted, `corrupted: ${r.corrupted_reason}`);
    });
  }

  it('picks the caller of skipped frames (memcmp, krealloc, kmalloc-named tests), as syzkaller', () => {
    const by = new Map(cases.map((c) => [c.name, parseDmesg(c.log).reports[0]!]));
    assert.equal(by.get('590.txt')?.function, 'memcmp');
    assert.equal(by.get('590.txt')?.title, 'KFENCE: use-after-free read in find_uprobe');
    assert.equal(by.get('599.txt')?.title, 'KFENCE: memory corruption in do_check_common');
    assert.equal(by.get('597.txt')?.title, 'KFENCE: memory corruption in kunit_try_run_case');
  });

  it('marks what syzkaller marks corrupted: no stack, no frame, a timestamp in the title', () => {
    const noStack = syzTitle('BUG: KFENCE: use-after-free read in foo_bar+0x1/0x2\n\nUse-after-free read at 0xffff888000000000 (in kfence-#1):\n foo_bar+0x1/0x2\n');
    assert.equal(noStack?.corrupted_reason, 'no stack trace in report');
    // invalid free and memory corruption need no call trace (noStackTrace)
    assert.equal(syzTitle('BUG: KFENCE: invalid free in foo_bar+0x1/0x2\n foo_bar+0x1/0x2\n')?.corrupted, false);
    const allSkipped = syzTitle('BUG: KFENCE: memory corruption in kfree+0x1/0x2\n kfree+0x1/0x2\n memcpy+0x3/0x4\n');
    assert.equal(allSkipped?.title, 'KFENCE: memory corruption in corrupted');
    assert.equal(allSkipped?.corrupted, true);
    const stamped = syzTitle('BUG: KFENCE: invalid free in foo[   12.345678]+0x1/0x2\n');
    assert.equal(stamped?.corrupted, false, 'no format matches: titled by the line');
    assert.match(stamped?.title ?? '', /^BUG: KFENCE: invalid free in foo/);
  });

  it('strips syscall prefixes as syzkaller does, keeping the raw frame as an alternative title', () => {
    const t = syzTitle('BUG: KFENCE: invalid free in __do_sys_bpf+0x1/0x2\n __do_sys_bpf+0x1/0x2\n');
    assert.equal(t?.title, 'KFENCE: invalid free in bpf');
    assert.deepEqual(t?.alt_titles, ['KFENCE: invalid free in __do_sys_bpf', 'invalid-free in __do_sys_bpf', 'invalid-free in bpf']);
  });

  it('sanitizes like syzkaller (addresses, numbers, control characters, 120 characters)', () => {
    assert.equal(sanitizeSyzTitle('KFENCE: invalid read in 0xffffffffa1b2c3d4'), 'KFENCE: invalid read in ADDR');
    assert.equal(sanitizeSyzTitle(`a\tb  c\u0001 d ${'x'.repeat(200)}`).length, 120 - 2);
  });
});
