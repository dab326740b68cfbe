// Leaf value parsers: durations, sizes (memparse), booting_max, shares, slab names, suggestions.
import assert from 'node:assert/strict';
import { parseBootingMax } from '../../src/playbook/booting-max.js';
import { closest, editDistance } from '../../src/playbook/suggest.js';
import { bool, budget, duration, memparse, percent, slabName } from '../../src/playbook/values.js';

const G = 2 ** 30;
const M = 2 ** 20;

describe('values: durations', () => {
  const good: [unknown, number][] = [['90s', 90_000], ['10m', 600_000], ['1h', 3_600_000], ['1h30m', 5_400_000], ['500ms', 500], ['2s500ms', 2500], [45, 45_000], [0, 0]];
  for (const [v, ms] of good) it(`${JSON.stringify(v)} = ${ms} ms`, () => assert.deepEqual(duration(v), { ok: true, value: ms }));
  for (const v of ['10 minutes', '10min', '1.5h', '-5s', 'soon', '', 1.5, -1, true, null]) {
    it(`refuses ${JSON.stringify(v)}`, () => assert.equal(duration(v).ok, false));
  }
  it('honours a minimum', () => assert.equal(duration(0, { min_ms: 1 }).ok, false));
});

describe('values: memparse and budgets', () => {
  it('reads K/M/G/T suffixes as powers of 1024, either case, and hex', () => {
    assert.equal(memparse('0'), 0);
    assert.equal(memparse('2G'), 2 * G);
    assert.equal(memparse('32m'), 32 * M);
    assert.equal(memparse('1k'), 1024);
    assert.equal(memparse('1T'), 2 ** 40);
    assert.equal(memparse('0x10'), 16);
  });
  it('refuses what the kernel would misread or reject', () => {
    for (const s of ['', '2GB', '1.5G', '010M', '-1', 'G', '2 G']) assert.equal(memparse(s), undefined, s);
  });
  it('budget: a share or a size', () => {
    assert.deepEqual(budget('10%'), { ok: true, value: { percent: 10 } });
    assert.deepEqual(budget('2G'), { ok: true, value: { bytes: 2 * G } });
    for (const v of ['0%', '101%', '0', 10, 0.1, '2 GiB']) assert.equal(budget(v).ok, false, String(v));
  });
  it('percent: 0 < N <= 100, or undefined for something else entirely', () => {
    assert.deepEqual(percent('100%'), { ok: true, value: 100 });
    assert.deepEqual(percent('0.5%'), { ok: true, value: 0.5 });
    assert.equal(percent('0%')?.ok, false);
    assert.equal(percent('10 %')?.ok, false);
    assert.equal(percent('ten'), undefined);
    assert.equal(percent(10), undefined);
  });
});

describe('values: booting_max', () => {
  it('parses the Alinux default into ranges', () => {
    assert.deepEqual(parseBootingMax('0-2G:0,2G-32G:2M,32G-:32M'), {
      ok: true,
      value: [{ start: 0, end: 2 * G, size: 0 }, { start: 2 * G, end: 32 * G, size: 2 * M }, { start: 32 * G, size: 32 * M }],
    });
  });
  it('parses the guide example', () => {
    const r = parseBootingMax('0-128M:0,128M-256M:1M,256M-:2M');
    assert.ok(r.ok);
    assert.equal(r.value.length, 3);
  });
  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['0-2G', /not valid/],
    ['2G:0', /not valid/],
    ['2G-1G:1M', /end 1G is not above start 2G/],
    ['1G-1G:1M', /not above/],
    ['0-:2MB', /size "2MB"/],
    ['0-2G:0, 2G-:2M', /spaces/],
    ['x-:1M', /start "x"/],
    ['0-2G:0,', /not valid in range 2/],
    // Trailing text the kernel would silently ignore (it stops at the first non-',' character).
    ['0-2G:0;2G-:2M', /stops reading at ";2G-:2M"/],
    ['0-:2M,x', /start "x" is not a size in range 2/],
    ['0-:010M', /size "010M" is not a size \(a leading 0 is octal/],
  ];
  for (const [s, re] of bad) {
    it(`refuses ${JSON.stringify(s)}`, () => {
      const r = parseBootingMax(s);
      assert.equal(r.ok, false);
      if (!r.ok) assert.match(r.message, re);
    });
  }
});

describe('values: slab names and booleans', () => {
  it('accepts cache and alias names', () => {
    for (const n of ['kmalloc-64', 'kmalloc-rcl-64', ':0000064', 'ext4_inode_cache', 'TCPv6', 'dma-kmalloc-8k', 'nf_conntrack.1']) {
      assert.equal(slabName(n).ok, true, n);
    }
  });
  it('refuses path characters, dot names and non-strings', () => {
    for (const n of ['..', '.', '../x', 'a/b', 'a b', '', '$(reboot)', 'x;y', 64]) assert.equal(slabName(n).ok, false, String(n));
  });
  it('bool takes only true/false, and hints at YAML 1.1 words', () => {
    assert.deepEqual(bool(true), { ok: true, value: true });
    const r = bool('Yes');
    assert.equal(r.ok, false);
    if (!r.ok) assert.match(r.hint ?? '', /use true or false/);
  });
});

describe('suggest', () => {
  it('edit distance counts adjacent swaps as one edit', () => {
    assert.equal(editDistance('fial', 'fail'), 1);
    assert.equal(editDistance('kitten', 'sitting'), 3);
    assert.equal(editDistance('', 'abc'), 3);
  });
  it('closest: near words, shared prefixes, nothing for far ones', () => {
    assert.equal(closest('sample-interval', ['mode', 'sample_interval']), 'sample_interval');
    assert.equal(closest('sampled', ['off', 'sampling', 'full']), 'sampling');
    assert.equal(closest('zzz', ['off', 'sampling', 'full']), undefined);
    assert.equal(closest('Forks', ['forks', 'soak']), 'forks');
  });
});
