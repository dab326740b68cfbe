// A flood: 1,200 generated KFENCE reports of 60 bugs on 80 hosts, in four log shapes (dmesg with
// and without stamps, [T123] caller ids, journalctl -k), with other CPUs' console lines interleaved
// inside the reports and a skipped helper (memcpy, kfree, ...) often on top of the stack. Every
// report must be found, every bug must be exactly one finding with syzkaller's title, and no two
// bugs may merge.
import assert from 'node:assert/strict';
import { buildFindings } from '../../src/report/findings.js';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import type { HostReports } from '../../src/report/types.js';

function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Kind = 'uaf-r' | 'uaf-w' | 'oob-r' | 'oob-w' | 'inv-r' | 'free' | 'corrupt';
const KINDS: Kind[] = ['uaf-r', 'uaf-w', 'oob-r', 'oob-w', 'inv-r', 'free', 'corrupt'];
const WORDS: Record<Kind, string> = {
  'uaf-r': 'use-after-free read',
  'uaf-w': 'use-after-free write',
  'oob-r': 'out-of-bounds read',
  'oob-w': 'out-of-bounds write',
  'inv-r': 'invalid read',
  free: 'invalid free',
  corrupt: 'memory corruption',
};
const SKIPPED = ['memcpy', 'memcmp', 'kfree', 'strncpy', 'copy_to_user', '__kmalloc', 'krealloc'];
const NOISE = [
  'audit: type=1400 audit(1764000000.123:45): apparmor="DENIED" operation="open" profile="snap"',
  'EXT4-fs (vda1): re-mounted. Quota mode: none.',
  'IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready',
  'nvme nvme0: I/O 12 QID 3 timeout, aborting',
  'kfence: re-enabled',
  'perf: interrupt took too long (2503 > 2500), lowering kernel.perf_event_max_sample_rate to 79750',
];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

interface Bug {
  kind: Kind;
  fn: string;
}

function name(r: () => number, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += LETTERS[Math.floor(r() * 26)];
  return s;
}

const off = (r: () => number): string => `+0x${(16 + Math.floor(r() * 200)).toString(16)}/0x${(0x200 + Math.floor(r() * 0x200)).toString(16)}`;
const addr = (r: () => number): string => `0xffff8880${Math.floor(r() * 0xffffffff).toString(16).padStart(8, '0')}`;

function report(bug: Bug, r: () => number, obj: number, release: string): string[] {
  const top = r() < 0.5 ? SKIPPED[Math.floor(r() * SKIPPED.length)] : null;
  const stack = [...(top ? [top] : []), bug.fn, `${name(r, 6)}_dispatch`, 'process_one_work', 'worker_thread', 'kthread', 'ret_from_fork'].map((f) => ` ${f}${off(r)}`);
  const a = addr(r);
  const detail: Record<Kind, string> = {
    'uaf-r': `Use-after-free read at ${a} (in kfence-#${obj}):`,
    'uaf-w': `Use-after-free write at ${a} (in kfence-#${obj}):`,
    'oob-r': `Out-of-bounds read at ${a} (1B left of kfence-#${obj}):`,
    'oob-w': `Out-of-bounds write at ${a} (8B right of kfence-#${obj}):`,
    'inv-r': `Invalid read at ${a}:`,
    free: `Invalid free of ${a} (in kfence-#${obj}):`,
    corrupt: `Corrupted memory at ${a} [ 0xac . . . ] (in kfence-#${obj}):`,
  };
  const lines = ['='.repeat(66), `BUG: KFENCE: ${WORDS[bug.kind]} in ${stack[0]!.trim()}`, '', detail[bug.kind], ...stack, ''];
  if (bug.kind !== 'inv-r') {
    lines.push(`kfence-#${obj}: ${a}-${a}, size=64, cache=kmalloc-64`, '', `allocated by task 77 on cpu 1 at 10.000001s:`, ` __kmalloc${off(r)}`, ` ${bug.fn}_alloc${off(r)}`, '');
    if (bug.kind !== 'oob-r' && bug.kind !== 'oob-w') lines.push(`freed by task 77 on cpu 1 at 10.000002s:`, ` kfree${off(r)}`, ` ${bug.fn}_put${off(r)}`, '');
  }
  lines.push(`CPU: 1 PID: 77 Comm: kworker/1:2 Tainted: G    B              ${release} #1`, 'Hardware name: QEMU Standard PC (i440FX + PIIX, 1996)', '='.repeat(66));
  return lines;
}

type Shape = 'dmesg' | 'notime' | 'caller' | 'journal';

function render(lines: string[], shape: Shape, t0: number, host: string): string {
  return lines
    .map((l, i) => {
      const ts = (t0 + i * 0.000113).toFixed(6).padStart(12);
      if (shape === 'dmesg') return `[${ts}] ${l}`;
      if (shape === 'caller') return `[${ts}][ T${400 + (i % 3 === 0 ? 1 : 0)}] ${l}`;
      if (shape === 'journal') return `Dec 03 10:${String(Math.floor(t0 / 60) % 60).padStart(2, '0')}:00 ${host} kernel: ${l}`;
      return l;
    })
    .join('\n');
}

describe('report/findings: a flood of 1,200 reports on 80 hosts', function () {
  this.timeout(60_000);
  it('finds every report, one finding per bug with its syzkaller title, no false merge', () => {
    const r = prng(20261203);
    const bugs: Bug[] = [];
    const used = new Set<string>();
    while (bugs.length < 60) {
      const fn = `${name(r, 5)}_${name(r, 4)}`;
      if (used.has(fn)) continue;
      used.add(fn);
      bugs.push({ kind: KINDS[bugs.length % KINDS.length]!, fn });
    }
    const shapes: Shape[] = ['dmesg', 'notime', 'caller', 'journal'];
    const expected = new Map<string, { count: number; hosts: Set<string> }>();
    const input: HostReports[] = [];
    let total = 0;
    for (let h = 0; h < 80; h++) {
      const host = `node-${String(h).padStart(3, '0')}`;
      const release = h % 2 ? '6.12.0-1' : '6.6.30-2';
      const out: string[] = [];
      let t = 5;
      for (let k = 0; k < 15; k++) {
        const bug = bugs[Math.floor(r() * bugs.length)]!;
        const lines: string[] = [];
        for (const l of report(bug, r, 1 + Math.floor(r() * 255), release)) {
          lines.push(l);
          if (r() < 0.15) lines.push(NOISE[Math.floor(r() * NOISE.length)]!);
        }
        out.push(render([NOISE[k % NOISE.length]!, ...lines], shapes[h % 4]!, t, host));
        t += 1.5;
        const title = `KFENCE: ${WORDS[bug.kind]} in ${bug.fn}`;
        const e = expected.get(title) ?? { count: 0, hosts: new Set<string>() };
        e.count++;
        e.hosts.add(host);
        expected.set(title, e);
        total++;
      }
      const parsed = parseDmesg(out.join('\n') + '\n').reports;
      assert.equal(parsed.length, 15, `${host} (${shapes[h % 4]}): every report found`);
      input.push({ host, release, reports: parsed });
    }
    assert.ok(total >= 1000);
    const findings = buildFindings(input);
    assert.equal(findings.reduce((n, f) => n + f.count, 0), total, 'no report lost');
    assert.equal(findings.length, expected.size, 'one finding per bug');
    for (const f of findings) {
      assert.deepEqual(f.titles, [f.title], `no false merge into ${f.title}`);
      const e = expected.get(f.title);
      assert.ok(e, `unexpected title ${f.title}`);
      assert.equal(f.count, e.count, f.title);
      assert.deepEqual(f.hosts.map((x) => x.host), [...e.hosts].sort(), f.title);
    }
    // per release: each bug splits into at most its two releases, still nothing lost
    const per = buildFindings(input, { byRelease: true });
    assert.equal(per.reduce((n, f) => n + f.count, 0), total);
    assert.ok(per.length > findings.length && per.length <= 2 * findings.length);
  });
});
