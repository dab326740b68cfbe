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

/** The write-order rules, checked on the step list alone against the starting interval. */
function checkOrder(p: HostPlan, startInterval: number): void {
  let enabled = startInterval !== 0;
  let stored = startInterval;
  let enabledAt = -1;
  p.runtime.forEach((s, i) => {
    if (s.op !== 'write') return;
    assert.equal(s.expect && 'equals' in s.expect ? s.expect.equals : s.value, s.value, 'every write is read back');
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
      }),
      { numRuns: RUNS },
    );
  });

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
