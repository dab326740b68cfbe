import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalFacts, factsFingerprint, stableFacts } from '../../src/facts/fingerprint.js';
import type { HostFacts } from '../../src/facts/types.js';
import { facts } from './helpers.js';

describe('factsFingerprint', () => {
  const base = facts('alinux-5.10.134-17-x86_64');
  const fp = factsFingerprint(base);

  it('is sha256 hex and stable across key order', () => {
    assert.match(fp, /^[0-9a-f]{64}$/);
    const reverse = (v: unknown): unknown =>
      v === null || typeof v !== 'object' ? v : Array.isArray(v) ? v.map(reverse) : Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reverse(x)]));
    const reordered = reverse(base) as typeof base;
    assert.notEqual(JSON.stringify(reordered), JSON.stringify(base));
    assert.equal(factsFingerprint(reordered), fp);
    assert.equal(factsFingerprint(facts('alinux-5.10.134-17-x86_64')), fp);
  });

  it('ignores what moves on its own', () => {
    const f = facts('alinux-5.10.134-17-x86_64');
    f.collected_at = '2026-11-25T10:00:00Z';
    f.uptime_s += 3600;
    f.memory.available_kb -= 1000;
    f.slabs['kmalloc-64']!.objects = '1600 N0=800 N1=800';
    assert.equal(factsFingerprint(f), fp);
    const s = facts('alinux-5.10.134-16-aarch64');
    const s2 = facts('alinux-5.10.134-16-aarch64');
    s2.kfence.stats!.counters['total slab allocations'] = 999999;
    assert.equal(factsFingerprint(s2), factsFingerprint(s));
  });

  it('changes with anything the planner reads', () => {
    const mutations: Array<(f: typeof base) => void> = [
      (f) => { f.kfence.params.sample_interval!.value = '100'; },
      (f) => { f.cmdline += ' kfence.sample_interval=100'; },
      (f) => { f.grubby.entries[1]!.args += ' quiet'; },
      (f) => { f.slabs.dentry!.value = '0'; },
      (f) => { f.boot_id = '00000000-0000-4000-8000-000000000000'; },
      (f) => { f.boot_unit = { installed: true, hash: 'ab' }; },
      (f) => { f.memory.total_kb += 1; },
      (f) => { f.kernel.release = '5.10.134-18.al8.x86_64'; },
      (f) => { f.kfence.stats!.enabled = true; },
      (f) => { f.privileged = false; },
    ];
    for (const [i, mut] of mutations.entries()) {
      const f = facts('alinux-5.10.134-17-x86_64');
      mut(f);
      assert.notEqual(factsFingerprint(f), fp, `mutation ${i}`);
    }
  });

  it('hashes exactly JSON.stringify(stableFacts(f)), whatever the slab names and values hold', () => {
    const names = ['alinux-5.10.134-17-x86_64', 'alinux-5.10.134-16-aarch64', 'upstream-6.12', 'upstream-5.15', 'no-kfence'] as const;
    for (const n of names) assert.equal(canonicalFacts(facts(n)), JSON.stringify(stableFacts(facts(n))), n);
    const text = fc.oneof(fc.string(), fc.constantFrom('"', '\\', '\n', '\u0001', '\ud800', 'é', '10', '0', '007', 'kmalloc-64', ':0000064'));
    const slab = fc.record({
      control: fc.constantFrom(null, 'kfence_enable', 'skip_kfence'),
      value: fc.option(text, { nil: null }),
      objects: fc.option(text, { nil: null }),
      alias_of: fc.option(text, { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.dictionary(text, slab, { maxKeys: 40 }), (slabs) => {
        const f = { ...facts('upstream-6.12'), slabs } as HostFacts;
        assert.equal(canonicalFacts(f), JSON.stringify(stableFacts(f)));
      }),
      { numRuns: 500 },
    );
  });
});
