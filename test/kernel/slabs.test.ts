import assert from 'node:assert/strict';
import { autoNumObjects, controlValue, liveMonitored, perNodeMax, realCache, resolveSelection } from '../../src/kernel/slabs.js';
import { facts } from '../plan/helpers.js';

describe('per-slab selection', () => {
  const f = facts('alinux-5.10.134-17-x86_64');

  it('computes num_objects: auto like the guide script (max per node, summed)', () => {
    assert.equal(perNodeMax('1536 N0=768 N1=768'), 768);
    assert.equal(perNodeMax('100 N0=30 N1=70'), 70);
    assert.equal(perNodeMax('12'), 1, 'no per-node entries: the script keeps maxobj=1');
    assert.equal(perNodeMax(null), 1);
    assert.equal(autoNumObjects(f.slabs, { kind: 'only', names: ['kmalloc-64'] }), 768);
    assert.equal(autoNumObjects(f.slabs, { kind: 'only', names: ['kmalloc-64', 'dentry'] }), 768 + 25368);
    // eventpoll_pwq is merged into kmalloc-64: the cache counts once.
    assert.equal(autoNumObjects(f.slabs, { kind: 'only', names: ['kmalloc-64', 'eventpoll_pwq'] }), 768);
  });

  it('resolves aliases to the real cache and warns that they share it', () => {
    assert.equal(realCache(f.slabs, 'kmalloc-256'), ':0000256');
    const r = resolveSelection(f.slabs, { kind: 'only', names: ['kmalloc-256'] });
    assert.equal(r.monitored.get(':0000256'), true);
    assert.equal(r.monitored.get('kmalloc-64'), false);
    assert.ok(!r.monitored.has('kmalloc-256'), 'aliases are not written separately');
    assert.match(r.warnings.join('\n'), /kmalloc-256 is merged with :0000256, biovec-16/);
    const e = resolveSelection(f.slabs, { kind: 'except', names: ['dentry'] });
    assert.equal(e.monitored.get('dentry'), false);
    assert.equal(e.monitored.get('kmalloc-64'), true);
  });

  it('handles both polarities', () => {
    assert.equal(controlValue('kfence_enable', true), '1');
    assert.equal(controlValue('skip_kfence', true), '0');
    assert.equal(liveMonitored({ control: 'skip_kfence', value: '1', objects: null }), false);
    assert.equal(liveMonitored({ control: 'kfence_enable', value: '1', objects: null }), true);
    assert.equal(liveMonitored({ control: null, value: null, objects: null }), null);
  });
});
