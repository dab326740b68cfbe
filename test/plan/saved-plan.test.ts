import assert from 'node:assert/strict';
import { InputError } from '../../src/errors.js';
import { buildSavedPlan, parseSavedPlan, planFleet } from '../../src/plan/plan-fleet.js';
import { FIXTURES, facts, play } from './helpers.js';

describe('planFleet and the saved plan file', () => {
  const pl = play({ mode: 'sampling', sample_interval: 100, slabs: { kind: 'only', names: ['kmalloc-64'] }, apply: 'both' });
  const hosts = planFleet(pl, Object.fromEntries(FIXTURES.map((n) => [n, facts(n)])));
  const saved = buildSavedPlan({ createdAt: new Date('2026-11-25T12:00:00Z'), playbook: { file: 'p.yml', sha256: 'a'.repeat(64) }, inventory: 'inv.ini', plays: [{ name: pl.name, hosts }] });

  it('plans every host in order', () => {
    assert.deepEqual(hosts.map((h) => h.host), [...FIXTURES]);
    assert.equal(planFleet(pl, new Map([['x', facts('upstream-6.12')]])).length, 1);
  });

  it('round-trips through JSON exactly', () => {
    const text = JSON.stringify(saved);
    assert.deepEqual(parseSavedPlan(text), saved);
    assert.equal(saved.created_at, '2026-11-25T12:00:00.000Z');
    assert.ok(hosts.some((h) => h.unit?.action === 'install' && h.runtime.length > 0 && h.boot !== null), 'the sample covers steps, args and a unit');
  });

  it('rejects files that are not plans, other versions and damaged plans with an InputError', () => {
    const bad = (text: string, re: RegExp) => {
      assert.throws(() => parseSavedPlan(text, 'x.json'), (e: unknown) => e instanceof InputError && e.exitCode === 2 && re.test(e.message + e.problems.map((p) => p.message).join('\n')));
    };
    bad('{', /not JSON/);
    bad('{"format":"something"}', /not a kfleet plan/);
    bad(JSON.stringify({ ...saved, version: 2 }), /plan version 2/);
    const broken = structuredClone(saved);
    (broken.plays[0]!.hosts[0] as unknown as Record<string, unknown>).fingerprint = 'nope';
    bad(JSON.stringify(broken), /fingerprint/);
    const evil = structuredClone(saved);
    const h = evil.plays[0]!.hosts.find((x) => x.runtime.length > 0)!;
    (h.runtime[0] as { path: string }).path = '/etc/passwd';
    bad(JSON.stringify(evil), /path/);
  });
});
