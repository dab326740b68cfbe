import assert from 'node:assert/strict';
import { GiB, MiB, objectsPerArea } from '../../src/kernel/constants.js';
import { alinuxPool, areaPool, formatBytes, isUpstreamMode, roundedObjects, smallPool } from '../../src/kernel/memory.js';

describe('KFENCE pool memory', () => {
  it('has 131071 objects per 1 GiB area with 4 KiB pages', () => {
    assert.equal(objectsPerArea(4096), 131071);
  });
  it('small (upstream-mode) pools are (n + 1) * 2 pages', () => {
    assert.equal(smallPool(255, 4096).pool, 2 * MiB);
    assert.equal(smallPool(4095, 4096).pool, 32 * MiB);
    assert.equal(smallPool(127, 4096).pool, MiB);
  });
  it('area pools follow the guide: ceil(n / 131071) GiB, times nodes for node mode', () => {
    assert.equal(areaPool(1_000_000, 'global', 2, 4096).pool, 8 * GiB);
    assert.equal(areaPool(1_000_000, 'node', 2, 4096).pool, 16 * GiB);
    assert.equal(areaPool(131071, 'global', 4, 4096).pool, GiB);
    assert.equal(areaPool(131072, 'global', 4, 4096).pool, 2 * GiB);
    // metadata ~150 MB per GiB area
    const meta = areaPool(131071, 'global', 1, 4096).metadata;
    assert.ok(meta > 140e6 && meta < 160e6, String(meta));
  });
  it('runtime enables always take whole areas; boots may take the small pool', () => {
    assert.equal(alinuxPool(255, 100, 'global', 1, 4096, true).pool, 2 * MiB);
    assert.equal(alinuxPool(255, 100, 'global', 1, 4096, false).pool, GiB);
    assert.equal(alinuxPool(255, -1, 'global', 1, 4096, true).pool, GiB);
    assert.equal(alinuxPool(255, 100, 'node', 2, 4096, true).pool, 2 * GiB);
    assert.ok(isUpstreamMode(131070, 1, 'global', 4096));
    assert.ok(!isUpstreamMode(131071, 1, 'global', 4096));
    assert.equal(roundedObjects(1_000_000, 4096), 8 * 131071);
  });
  it('formats sizes', () => {
    assert.equal(formatBytes(2 * MiB), '2 MiB');
    assert.equal(formatBytes(1.5 * GiB), '1.5 GiB');
  });
});
