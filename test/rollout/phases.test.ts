import assert from 'node:assert/strict';
import fc from 'fast-check';
import { computePhases, shareToCount } from '../../src/rollout/phases.js';
import { checkBudgets } from '../../src/rollout/budget.js';
import type { PhaseSpec } from '../../src/playbook/types.js';

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${String(i + 1).padStart(2, '0')}`);
const count = (n: number): PhaseSpec => ({ kind: 'count', count: n });
const pct = (n: number): PhaseSpec => ({ kind: 'percent', percent: n });

describe('phases', () => {
  it('follows Ansible serial arithmetic: [1, 10%, 50%, 100%] over 20 hosts', () => {
    const p = computePhases(hosts(20), [count(1), pct(10), pct(50), pct(100)]);
    assert.deepEqual(p.map((x) => x.length), [1, 2, 10, 7]);
    assert.deepEqual(p[0], ['h01']);
  });

  it('repeats the last entry until every host is in a phase', () => {
    assert.deepEqual(computePhases(hosts(7), [count(1), count(2)]).map((x) => x.length), [1, 2, 2, 2]);
    assert.deepEqual(computePhases(hosts(10), [pct(30)]).map((x) => x.length), [3, 3, 3, 1]);
  });

  it('never makes an empty phase: small shares round up to one host', () => {
    assert.equal(shareToCount(10, 3), 1);
    assert.deepEqual(computePhases(hosts(3), [pct(10), pct(50)]).map((x) => x.length), [1, 1, 1]);
  });

  it('takes pattern phases from the remaining hosts that match (canary group first)', () => {
    const canary = new Set(['h03', 'h07']);
    const p = computePhases(hosts(8), [{ kind: 'pattern', pattern: 'canary' }, pct(50), pct(100)], (pat, h) => pat === 'canary' && canary.has(h));
    assert.deepEqual(p[0], ['h03', 'h07']);
    assert.deepEqual(p[1], ['h01', 'h02', 'h04', 'h05']);
    assert.deepEqual(p[2], ['h06', 'h08']);
  });

  it('a trailing pattern phase is followed by one phase of what it did not match', () => {
    const p = computePhases(hosts(4), [{ kind: 'pattern', pattern: 'x' }], (_p, h) => h === 'h02');
    assert.deepEqual(p, [['h02'], ['h01', 'h03', 'h04']]);
  });

  it('property: phases partition the hosts in order, none empty', () => {
    const spec = fc.oneof(
      fc.integer({ min: 1, max: 50 }).map(count),
      fc.integer({ min: 1, max: 100 }).map(pct),
      fc.constantFrom<PhaseSpec>({ kind: 'pattern', pattern: 'even' }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 120 }), fc.array(spec, { maxLength: 6 }), (n, specs) => {
        const hs = hosts(n);
        const p = computePhases(hs, specs, (_pat, h) => Number(h.slice(1)) % 2 === 0);
        assert.ok(p.every((x) => x.length > 0));
        assert.deepEqual([...p.flat()].sort(), [...hs].sort());
        assert.equal(new Set(p.flat()).size, n);
      }),
    );
  });
});

describe('failure budgets', () => {
  it('max_fail_percentage is strict: equal passes, above halts', () => {
    assert.equal(checkBudgets({ phaseFailed: 2, phaseSize: 10, maxFailPercentage: 20, runFailed: 2, maxFailedHosts: undefined }).halt, false);
    const v = checkBudgets({ phaseFailed: 3, phaseSize: 10, maxFailPercentage: 20, runFailed: 3, maxFailedHosts: undefined });
    assert.equal(v.halt, true);
    assert.equal(v.budget, 'max_fail_percentage');
    assert.match(v.reason!, /3 of 10 hosts/);
  });

  it('max_fail_percentage 0 halts on the first failure; 100 never halts on the phase budget', () => {
    assert.equal(checkBudgets({ phaseFailed: 1, phaseSize: 50, maxFailPercentage: 0, runFailed: 1, maxFailedHosts: undefined }).halt, true);
    assert.equal(checkBudgets({ phaseFailed: 0, phaseSize: 50, maxFailPercentage: 0, runFailed: 0, maxFailedHosts: undefined }).halt, false);
    assert.equal(checkBudgets({ phaseFailed: 5, phaseSize: 5, maxFailPercentage: 100, runFailed: 5, maxFailedHosts: undefined }).halt, false);
  });

  it('max_failed_hosts counts the whole run and halts when exceeded', () => {
    assert.equal(checkBudgets({ phaseFailed: 1, phaseSize: 10, maxFailPercentage: 50, runFailed: 2, maxFailedHosts: 2 }).halt, false);
    const v = checkBudgets({ phaseFailed: 1, phaseSize: 10, maxFailPercentage: 50, runFailed: 3, maxFailedHosts: 2 });
    assert.equal(v.halt, true);
    assert.equal(v.budget, 'max_failed_hosts');
  });
});
