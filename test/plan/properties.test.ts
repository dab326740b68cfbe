// Property-based tests: random consistent host states x random desired specs. Planning never
// throws; steps obey the kernel's write-order rules; executing a plan against the kernel model
// converges (the next plan is empty, after the reboot the plan asked for, if any).

import assert from 'node:assert/strict';
import fc from 'fast-check';
import { planHost } from '../../src/plan/plan-host.js';
import { planIsEmpty, type HostPlan } from '../../src/plan/types.js';
import { compactSteps, play } from './helpers.js';
import { desiredSpec, hostState } from './arbitraries.js';
import { applyPlan, reboot, type ModelHost } from './model.js';
import type { KfenceSpec } from '../../src/playbook/types.js';
import type { HostFacts } from '../../src/facts/types.js';
import { expectationMatches } from '../../src/converge/runtime-script.js';

const RUNS = Number(process.env.KFLEET_PROPERTY_RUNS ?? 400);
const P = '/sys/module/kfence/parameters/';

/** A compact picture of a host state for failure messages (the full facts are too long to read). */
function state(m: ModelHost, k: KfenceSpec): string {
  const kf = (line: string) => line.split(/\s+/).filter((w) => w.startsWith('kfence.') || w.startsWith('kfleet.')).join(' ');
  const params = Object.fromEntries(Object.entries(m.f.kfence.params).map(([n, p]) => [n, p.value]));
  const off = Object.entries(m.f.slabs).filter(([, s]) => s.value !== null && s.value !== (s.control === 'skip_kfence' ? '0' : '1')).map(([n]) => n);
  return JSON.stringify({ release: m.f.kernel.release, mem_kb: m.f.memory.total_kb, params, hidden: m.h, booted: kf(m.f.cmdline), configured: m.f.grubby.entries.map((e) => kf(e.args)), unit: m.f.boot_unit.installed, slabs_not_default: off, privileged: m.f.privileged, spec: k });
}

function summary(p: HostPlan): string {
  return JSON.stringify({ refused: p.refused.map((r) => r.code), steps: compactSteps(p.runtime), boot: p.boot && { add: p.boot.add, remove: p.boot.remove }, unit: p.unit?.action, reboot: p.reboot, warnings: p.warnings });
}

/** The file's content before the plan runs (sysfs parameters and per-slab controls), or undefined. */
function before(f: HostFacts, path: string): string | undefined {
  if (path.startsWith(P)) return f.kfence.params[path.slice(P.length)]?.value ?? undefined;
  const m = /^\/sys\/kernel\/slab\/([^/]+)\/(kfence_enable|skip_kfence)$/.exec(path);
  return m ? f.slabs[m[1]!]?.value ?? undefined : undefined;
}

/**
 * Every write is read back: its expectation accepts the value written, and rejects what the file
 * held before (a write the kernel silently ignored, kfence-interface.md §1.2, must not pass).
 */
export function checkReadBack(p: HostPlan, f: HostFacts): void {
  const held = new Map<string, string | undefined>();
  for (const s of p.runtime) {
    if (s.op !== 'write') continue;
    assert.ok(s.expect, `write ${s.path} has a read-back expectation`);
    assert.ok(expectationMatches(s.expect, s.value), `the read-back of ${s.path} accepts the value written (${s.value}; expects ${JSON.stringify(s.expect)})`);
    const prev = held.has(s.path) ? held.get(s.path) : before(f, s.path);
    if (prev !== undefined && prev !== s.value) assert.ok(!expectationMatches(s.expect, prev), `the read-back of ${s.path} tells the value written (${s.value}) from the one it replaces (${prev}; expects ${JSON.stringify(s.expect)})`);
    held.set(s.path, s.value);
  }
}

/** The write-order rules, checked on the step list alone against the starting interval. */
function checkOrder(p: HostPlan, startInterval: number): void {
  let enabled = startInterval !== 0;
  let stored = startInterval;
  let enabledAt = -1;
  p.runtime.forEach((s, i) => {
    if (s.op !== 'write') return;
    assert.ok(enabledAt < 0, `no write after the final enable (step ${i + 1}: ${s.path})`);
    const name = s.path.startsWith(P) ? s.path.slice(P.length) : null;
    if (name === 'num_objects' || name === 'pool_mode') assert.ok(!enabled, `${name} is written only while disabled`);
    if (name === 'sample_interval') {
      const v = Number(s.value);
      assert.ok(!((stored > 0 && v < 0) || (stored < 0 && v > 0)), `no direct sign flip (${stored} -> ${v})`);
      if (v !== 0 && !enabled) enabledAt = i;
      enabled = v !== 0;
      stored = v;
    }
  });
  if (enabledAt >= 0) {
    const rest = p.runtime.slice(enabledAt + 1);
    assert.ok(rest.every((s) => s.op === 'verify_enabled'), 'enable is last, then verify');
    assert.ok(rest.some((s) => s.op === 'verify_enabled' && s.enabled), 'an enable is verified');
  }
}

describe('planner properties (fast-check, kernel model)', function () {
  this.timeout(120_000);

  it('never throws, refuses with nothing to write, and obeys the write order', () => {
    fc.assert(
      fc.property(hostState, desiredSpec, ({ m }, k) => {
        const p = planHost(play(k), m.f);
        if (p.refused.length > 0) {
          assert.deepEqual(p.runtime, []);
          assert.equal(p.boot, null);
          assert.equal(p.unit, null);
          assert.equal(p.reboot.required, false);
          return;
        }
        if (k.apply === 'runtime') {
          assert.equal(p.boot, null, 'apply: runtime never touches boot args');
          assert.equal(p.unit, null);
          assert.equal(p.reboot.required, false);
        }
        if (k.apply === 'boot') assert.deepEqual(p.runtime, [], 'apply: boot writes nothing live');
        checkOrder(p, Number(m.f.kfence.params.sample_interval?.value ?? 0));
        checkReadBack(p, m.f);
      }),
      { numRuns: RUNS },
    );
  });

  // The property must be able to fail: against planners that skip or weaken a read-back, it does.
  const mutants: Array<[string, (s: Extract<HostPlan['runtime'][number], { op: 'write' }>) => void]> = [
    ['drops the expectation', (s) => delete (s as { expect?: unknown }).expect],
    ['expects something else', (s) => (s.expect = { equals: `${s.value}x` })],
    ['accepts anything numeric', (s) => (s.expect = { int_at_least: -(2 ** 31) })],
  ];
  for (const [what, mutate] of mutants) {
    it(`"every write is read back" fails on a planner that ${what}`, () => {
      const mutated = (k: KfenceSpec, f: HostFacts): HostPlan => {
        const p = structuredClone(planHost(play(k), f));
        for (const s of p.runtime) if (s.op === 'write' && s.path.endsWith('/sample_interval')) mutate(s);
        return p;
      };
      assert.throws(() => fc.assert(fc.property(hostState, desiredSpec, ({ m }, k) => checkReadBack(mutated(k, m.f), m.f)), { numRuns: RUNS }), (e: Error) => /read-back/.test(String((e.cause as Error | undefined)?.message ?? e.message)));
    });
  }

  it('converges: executed against the model, the next plan is empty (after the reboot it asked for)', () => {
    fc.assert(
      fc.property(hostState, desiredSpec, ({ m }, k) => {
        const pl = play(k);
        const p = planHost(pl, m.f);
        if (p.refused.length > 0) return;
        const r = applyPlan(m, p);
        assert.deepEqual(r.failures, [], `plan failed on the model: ${summary(p)}\nstate: ${state(m, k)}`);
        const again = planHost(pl, r.m.f);
        const ctx = `state: ${state(m, k)}\nfirst: ${summary(p)}\nagain: ${summary(again)}\nafter apply: ${state(r.m, k)}`;
        assert.deepEqual(again.refused, [], ctx);
        assert.deepEqual(again.runtime, [], ctx);
        assert.equal(again.boot, null, ctx);
        assert.equal(again.unit, null, ctx);
        assert.equal(again.reboot.required, p.reboot.required, ctx);
        if (p.reboot.required) {
          const booted = reboot(r.m);
          const after = planHost(pl, booted.f);
          assert.ok(planIsEmpty(after), `after the reboot: ${summary(after)}\n${ctx}\nbooted: ${state(booted, k)}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('a persisted plan survives a reboot (apply: boot/both stay converged)', () => {
    fc.assert(
      fc.property(hostState, desiredSpec, ({ m }, k) => {
        if (k.apply === 'runtime') return;
        const pl = play(k);
        const p = planHost(pl, m.f);
        if (p.refused.length > 0 || p.warnings.some((w) => /arm64 cannot reserve/.test(w))) return;
        const r = applyPlan(m, p);
        const booted = reboot(r.m);
        const after = planHost(pl, booted.f);
        assert.ok(planIsEmpty(after), `after a reboot: ${summary(after)}\nfirst: ${summary(p)}\nstate: ${state(m, k)}\nbooted: ${state(booted, k)}`);
      }),
      { numRuns: RUNS },
    );
  });
});
