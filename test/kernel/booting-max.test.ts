import assert from 'node:assert/strict';
import { evaluateBootingMax, memparse, parseBootingMax } from '../../src/kernel/booting-max.js';

const G = 2 ** 30;
const M = 2 ** 20;

describe('booting_max', () => {
  it('memparse takes suffixes in either case and base-0 numbers', () => {
    assert.equal(memparse('2G')?.value, 2 * G);
    assert.equal(memparse('2g')?.value, 2 * G);
    assert.equal(memparse('128M,')?.rest, ',');
    assert.equal(memparse('0x10k')?.value, 16 * 1024);
    assert.equal(memparse('010')?.value, 8);
    assert.equal(memparse('0')?.value, 0);
    assert.equal(memparse('G'), null);
  });

  it('parses the shipped default and the doc example', () => {
    const p = parseBootingMax('0-2G:0,2G-32G:2M,32G-:32M');
    assert.ok(p.ok);
    assert.deepEqual(p.ranges, [
      { start: 0, end: 2 * G, size: 0 },
      { start: 2 * G, end: 32 * G, size: 2 * M },
      { start: 32 * G, end: null, size: 32 * M },
    ]);
    assert.ok(parseBootingMax('0-128M:0,128M-256M:1M,256M-:2M').ok);
  });

  it('reports the kernel errors', () => {
    const err = (s: string) => {
      const p = parseBootingMax(s);
      return p.ok ? p : { ok: p.ok, error: p.error, range: p.range, field: p.field, token: p.token };
    };
    assert.deepEqual(err('x'), { ok: false, error: 'Memory value expected', range: 1, field: 'start', token: 'x' });
    assert.deepEqual(err('2G:0'), { ok: false, error: "'-' expected", range: 1, field: 'start', token: '2G' });
    assert.deepEqual(err('2G-1G:0'), { ok: false, error: 'end <= start', range: 1, field: 'end', token: '1G' });
    assert.deepEqual(err('2G-2G:0'), { ok: false, error: 'end <= start', range: 1, field: 'end', token: '2G' });
    assert.deepEqual(err('0-2G'), { ok: false, error: "':' expected", range: 1, field: 'end', token: '2G' });
    assert.deepEqual(err('0-2G:0,1G-:'), { ok: false, error: 'Memory value expected', range: 2, field: 'size', token: '' });
    // Trailing text is the kernel's to ignore: it ends the list, and the reader sees it.
    const t = parseBootingMax('0-:2MB');
    assert.ok(t.ok && t.rest === 'B' && t.texts[0]?.size === '2M');
  });

  it('evaluates [start, end) with the first match winning', () => {
    const d = '0-2G:0,2G-32G:2M,32G-:32M';
    assert.equal(evaluateBootingMax(d, 1.5 * G, 4096).kind, 'disabled');
    assert.deepEqual(evaluateBootingMax(d, 2 * G, 4096), { kind: 'cap', maxObjects: 255, size: 2 * M });
    assert.deepEqual(evaluateBootingMax(d, 32 * G - 1, 4096), { kind: 'cap', maxObjects: 255, size: 2 * M });
    assert.deepEqual(evaluateBootingMax(d, 32 * G, 4096), { kind: 'cap', maxObjects: 4095, size: 32 * M });
    assert.deepEqual(evaluateBootingMax('0-1G:1M,0-:2M', 512 * M, 4096), { kind: 'cap', maxObjects: 127, size: M });
    assert.deepEqual(evaluateBootingMax('4G-8G:2M', 2 * G, 4096), { kind: 'none' });
  });

  it('caps at 1 GiB and disables below four pages', () => {
    assert.deepEqual(evaluateBootingMax('0-:4G', G, 4096), { kind: 'cap', maxObjects: 131071, size: 4 * G });
    assert.equal(evaluateBootingMax('0-:15K', G, 4096).kind, 'disabled');
    assert.deepEqual(evaluateBootingMax('0-:16K', G, 4096), { kind: 'cap', maxObjects: 1, size: 16 * 1024 });
    // 64 KiB pages: 32M is 512 pages -> 255 objects (the guide's "32 MiB with 64-KiB pages").
    assert.deepEqual(evaluateBootingMax('0-:32M', 64 * G, 65536), { kind: 'cap', maxObjects: 255, size: 32 * M });
  });
});
