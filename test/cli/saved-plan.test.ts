import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { checkAgainstSaved } from '../../src/cli/commands/apply.js';
import { parseFactsJson } from '../../src/facts/load-fact-files.js';
import { planHost } from '../../src/plan/plan-host.js';
import { parseSavedPlan, buildSavedPlan } from '../../src/plan/plan-fleet.js';
import { parsePlaybook } from '../../src/playbook/load.js';

const facts = parseFactsJson(readFileSync('test/fixtures/facts/upstream-6.12.json', 'utf8'), 'upstream-6.12.json');
const play = parsePlaybook('hosts: all\nkfence: { mode: sampling, sample_interval: 50, apply: runtime }\n', 'p.yml').plays[0]!;

function roundTrip(fresh: ReturnType<typeof planHost>) {
  const text = JSON.stringify(buildSavedPlan({ createdAt: new Date(), playbook: { file: 'p.yml', sha256: 'x' }, inventory: null, plays: [{ name: play.name, hosts: [fresh] }] }));
  return { text, saved: parseSavedPlan(text, 'plan.json').plays[0]!.hosts[0]! };
}

describe('applying a saved plan', () => {
  it('accepts exactly what the planner makes of the same facts (after a JSON round trip)', () => {
    const fresh = planHost(play, facts);
    assert.ok(fresh.runtime.length > 0);
    const { saved } = roundTrip(fresh);
    assert.deepEqual(checkAgainstSaved(saved, fresh).refused, []);
  });

  it('refuses a host whose facts moved', () => {
    const fresh = planHost(play, facts);
    const { saved } = roundTrip(fresh);
    const moved = planHost(play, { ...facts, boot_id: '0f0f0f0f-0000-4000-8000-000000000000' });
    assert.equal(checkAgainstSaved(saved, moved).refused[0]!.code, 'PLAN_STALE');
  });

  it('refuses a plan edited by hand even when the fingerprint still matches', () => {
    const fresh = planHost(play, facts);
    const { text } = roundTrip(fresh);
    const edited = parseSavedPlan(text.replace('"value":"50"', '"value":"1"'), 'plan.json').plays[0]!.hosts[0]!;
    assert.equal(checkAgainstSaved(edited, fresh).refused[0]!.code, 'PLAN_MISMATCH');
  });

  it('says the counts moved, not "edited by hand", when num_objects: auto was sized from other slab counts', () => {
    const al = parseFactsJson(readFileSync('test/fixtures/facts/alinux-5.10.134-17-x86_64.json', 'utf8'), 'al.json');
    const auto = parsePlaybook('hosts: all\nkfence: { mode: full, num_objects: auto, slabs: { only: [kmalloc-64] }, apply: runtime }\n', 'p.yml').plays[0]!;
    const fresh = planHost(auto, al);
    const text = JSON.stringify(buildSavedPlan({ createdAt: new Date(), playbook: { file: 'p.yml', sha256: 'x' }, inventory: null, plays: [{ name: auto.name, hosts: [fresh] }] }));
    const saved = parseSavedPlan(text, 'plan.json').plays[0]!.hosts[0]!;
    const grown = structuredClone(al);
    grown.slabs['kmalloc-64']!.objects = '400000 N0=200000 N1=200000';
    const now = planHost(auto, grown);
    assert.equal(now.fingerprint, fresh.fingerprint, 'object counts are not part of the fingerprint');
    const r = checkAgainstSaved(saved, now).refused[0]!;
    assert.equal(r.code, 'PLAN_MISMATCH');
    assert.match(r.message, /num_objects moved from \d+ \(saved\) to \d+: with num_objects: auto/);
    assert.doesNotMatch(r.message, /edited/);
    assert.match(r.hint ?? '', /set num_objects to a number/);
  });

  it('names the field a hand edit changed', () => {
    const fresh = planHost(play, facts);
    const { text } = roundTrip(fresh);
    const edited = parseSavedPlan(text.replace('"value":"50"', '"value":"1"'), 'plan.json').plays[0]!.hosts[0]!;
    assert.match(checkAgainstSaved(edited, fresh).refused[0]!.message, /runtime\.0\.value: saved "1", now "50"/);
  });

  it('refuses hosts that are not in the plan', () => {
    assert.equal(checkAgainstSaved(undefined, planHost(play, facts)).refused[0]!.code, 'NOT_IN_PLAN');
  });
});
