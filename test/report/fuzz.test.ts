import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readNewKernelLog } from '../../src/report/cursor.js';
import { buildFindings } from '../../src/report/findings.js';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import { parseKfenceStats } from '../../src/report/parse-stats.js';
import { renderFindingsHtml } from '../../src/report/render-html.js';
import { renderFindingsJson } from '../../src/report/render-json.js';
import { renderFindingsTable } from '../../src/report/render-table.js';
import type { KfenceReport } from '../../src/report/types.js';
import { addStamps, fixture, fixtureNames, stripStamps } from './fixtures.js';

const REAL = fixtureNames().map(fixture);
const REAL_LINES = REAL.flatMap((t) => t.split('\n'));
const KINDS = new Set(['out-of-bounds', 'use-after-free', 'memory-corruption', 'invalid-access', 'invalid-free', 'unknown']);

function wellFormed(r: KfenceReport): void {
  assert.ok(KINDS.has(r.kind));
  assert.ok(r.access === null || r.access === 'read' || r.access === 'write');
  assert.equal(typeof r.text, 'string');
  assert.equal(typeof r.truncated, 'boolean');
  assert.ok(Array.isArray(r.access_stack));
  for (const f of r.access_stack) assert.equal(typeof f.fn, 'string');
  if (r.object) assert.ok(Number.isFinite(r.object.size));
  if (r.timestamp_s !== null) assert.ok(Number.isFinite(r.timestamp_s));
}

/** A log built from real report lines: slices, drops, duplicates, other lines and cuts mid-line. */
const mangledLog = fc
  .record({
    pick: fc.array(fc.nat(REAL_LINES.length - 1), { maxLength: 120 }),
    slice: fc.tuple(fc.nat(REAL.length - 1), fc.nat(40), fc.nat(40)),
    noise: fc.array(fc.oneof(fc.string({ maxLength: 80 }), fc.constantFrom('', ' ', '==================================================================', 'BUG: KFENCE: ', 'kfence: ', ' x+0x1/0x2 [', 'kfence-#', 'CPU: ')), { maxLength: 20 }),
    cut: fc.nat(5000),
    seed: fc.nat(),
  })
  .map(({ pick, slice, noise, cut, seed }) => {
    const [fi, a, b] = slice;
    const base = (REAL[fi] ?? '').split('\n');
    const lines = [...base.slice(Math.min(a, b), Math.max(a, b)), ...pick.map((i) => REAL_LINES[i] ?? '')];
    noise.forEach((n, k) => lines.splice((seed + k * 7) % (lines.length + 1), 0, n));
    const text = lines.join('\n');
    return text.slice(0, cut < 400 ? text.length : cut);
  });

describe('report fuzz (fast-check): nothing throws, output stays well-formed', () => {
  it('arbitrary strings (including binary and unicode)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 400 }), fc.string({ unit: 'grapheme', maxLength: 400 })), (s) => {
        const p = parseDmesg(s);
        p.reports.forEach(wellFormed);
        parseKfenceStats(s);
      }),
      { numRuns: 400 },
    );
  });

  it('random slices, shuffles and cuts of real reports', () => {
    fc.assert(
      fc.property(mangledLog, (text) => {
        const p = parseDmesg(text);
        p.reports.forEach(wellFormed);
        const fs = buildFindings([{ host: 'h', reports: p.reports }]);
        renderFindingsTable(fs);
        renderFindingsJson({ findings: fs });
        const html = renderFindingsHtml(fs);
        assert.equal((html.match(/<script\b/gi) ?? []).length, 1);
      }),
      { numRuns: 300 },
    );
  });

  it('every prefix of every real report parses (a cut at any character)', () => {
    for (const t of REAL) {
      for (let n = 0; n <= t.length; n += 7) {
        const p = parseDmesg(t.slice(0, n));
        p.reports.forEach(wellFormed);
        if (n < t.length - 70) assert.ok(p.reports.every((r) => r.truncated || r.kind === 'unknown' || r.text.endsWith('=')), `cut at ${n}`);
      }
    }
  });

  it('reading in two pieces at any line gives the same reports as one read', () => {
    const names = ['alinux-uaf-read.txt', 'upstream-6.12-oob-write-right.txt', 'alinux-corruption-panic.txt', 'alinux-invalid-read.txt'];
    const log = addStamps(names.map((n) => stripStamps(fixture(n))).join('eth0: link up\n'), 100, 0.001);
    const lines = log.trimEnd().split('\n');
    const whole = parseDmesg(log).reports.map((r) => r.text);
    fc.assert(
      fc.property(fc.nat(lines.length), (k) => {
        const boot = 'b';
        const first = readNewKernelLog(lines.slice(0, k).join('\n'), boot, null);
        const second = readNewKernelLog(log, boot, first.cursor, { final: true });
        assert.deepEqual([...first.reports, ...second.reports].map((r) => r.text), whole);
      }),
      { numRuns: 150 },
    );
  });

  it('stats: random padding and counter names', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.string({ maxLength: 40 }), fc.integer(), fc.nat(40)), { maxLength: 12 }), (rows) => {
        const text = `enabled: 1\n${rows.map(([n, v, w]) => `${n.padEnd(w)}:${String(v).padStart(20)}`).join('\n')}\n`;
        const s = parseKfenceStats(text);
        assert.equal(s.enabled, true);
        for (const v of Object.values(s.counters)) assert.ok(Number.isSafeInteger(v));
      }),
      { numRuns: 200 },
    );
  });

  it('pathological long lines do not backtrack (bounded regexes)', () => {
    const long = [
      `Corrupted memory at 0x0 [${' .'.repeat(200_000)}`,
      ` ${'a'.repeat(500_000)}+0x1/0x2 [${'m'.repeat(100_000)}`,
      `CPU: 1 PID: 2 Comm: ${'x '.repeat(200_000)}`,
      `kfence-#1: 0x0-0x1, size=1, cache=${'c'.repeat(300_000)}`,
      `[${' '.repeat(300_000)}1.0] x`,
      `Nov 25 10:02:11 ${'h'.repeat(300_000)} kernel: y`,
      `${'='.repeat(300_000)}`,
    ].join('\n');
    const p = parseDmesg(`BUG: KFENCE: use-after-free read in f+0x1/0x2\n${long}\n`);
    assert.equal(p.reports.length, 1);
  });
});
