import assert from 'node:assert/strict';
import { parseKfenceStats, parseKfenceStatsDetail, totalBugs } from '../../src/report/parse-stats.js';
import { fixture } from './fixtures.js';

describe('report/parse-stats', () => {
  it('upstream 6.12 (8 counters)', () => {
    const s = parseKfenceStats(fixture('stats/upstream-6.12.txt'));
    assert.equal(s.format, 'upstream');
    assert.equal(s.enabled, true);
    assert.deepEqual(s.counters, {
      'currently allocated': 12,
      'total allocations': 20861,
      'total frees': 20849,
      'zombie allocations': 0,
      'total bugs': 2,
      'skipped allocations (incompatible)': 0,
      'skipped allocations (capacity)': 0,
      'skipped allocations (covered)': 2371,
    });
    assert.equal(totalBugs(s), 2);
  });

  it('upstream 5.13 (5 counters)', () => {
    const s = parseKfenceStats(fixture('stats/upstream-5.13.txt'));
    assert.equal(s.format, 'upstream');
    assert.equal(Object.keys(s.counters).length, 5);
    assert.equal(s.counters['currently allocated'], 3);
  });

  it('Alinux 5.10 (%-30s:%20lld) with the per-node pool table', () => {
    const d = parseKfenceStatsDetail(fixture('stats/alinux-5.10.txt'));
    assert.equal(d.stats.format, 'anolis');
    assert.equal(d.stats.enabled, true);
    assert.equal(d.stats.counters['currently slab allocated'], 254);
    assert.equal(d.stats.counters['total page frees'], 8811);
    assert.equal(totalBugs(d.stats), 3);
    assert.equal(Object.keys(d.stats.counters).length, 8);
    assert.deepEqual(d.nodes, [
      { node: 0, objects: 131071, pool_size: '1 GB', pool_bytes: 1024 ** 3 },
      { node: 1, objects: 131071, pool_size: '1 GB', pool_bytes: 1024 ** 3 },
    ]);
  });

  it('Anolis 6.x (%-35s) with the skipped counters', () => {
    const d = parseKfenceStatsDetail(fixture('stats/anolis-6.6.txt'));
    assert.equal(d.stats.format, 'anolis');
    assert.equal(d.stats.counters['skipped allocations (covered)'], 0);
    assert.equal(d.stats.counters['skipped allocations (capacity)'], 17);
    assert.equal(Object.keys(d.stats.counters).length, 11);
    assert.deepEqual(d.nodes, [{ node: 0, objects: 255, pool_size: '2 MB', pool_bytes: 2 * 1024 ** 2 }]);
  });

  it('never enabled since boot: just "enabled: 0"', () => {
    const s = parseKfenceStats(fixture('stats/never-enabled.txt'));
    assert.deepEqual(s, { enabled: false, counters: {}, format: 'empty' });
    assert.equal(totalBugs(s), null);
  });

  it('empty or garbage input gives enabled null, no counters, no throw', () => {
    assert.deepEqual(parseKfenceStats(''), { enabled: null, counters: {}, format: 'empty' });
    assert.deepEqual(parseKfenceStats('cat: /sys/kernel/debug/kfence/stats: No such file or directory\n'), {
      enabled: null,
      counters: {},
      format: 'empty',
    });
    assert.equal(totalBugs(null), null);
  });

  it('CRLF and a value overflowing a safe integer are tolerated', () => {
    const s = parseKfenceStats('enabled: 1\r\ntotal bugs: 4\r\ntotal allocations: 99999999999999999999\r\n');
    assert.deepEqual(s.counters, { 'total bugs': 4 });
    assert.equal(s.enabled, true);
  });
});
