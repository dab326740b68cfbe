// Reboot need derived from desired vs configured vs booted args and the live values.

import assert from 'node:assert/strict';
import { planHost } from '../../src/plan/plan-host.js';
import { planIsEmpty } from '../../src/plan/types.js';
import { facts, play } from './helpers.js';
import { applyPlan, modelFrom, reboot } from './model.js';

const sampling = play({ mode: 'sampling', sample_interval: 100, apply: 'boot' });

describe('reboot derivation', () => {
  it('desired not configured, not booted, not live: change the args and reboot', () => {
    const p = planHost(sampling, facts('alinux-5.10.134-17-x86_64'));
    assert.deepEqual(p.boot?.add, ['kfence.sample_interval=100']);
    assert.ok(p.reboot.required);
    assert.match(p.reboot.reasons[0] ?? '', /sample_interval: live 0, 100 after boot/);
    assert.deepEqual(p.desired_args, { 'kfence.sample_interval': '100', 'kfleet.boot_unit': null });
  });

  it('configured but not yet booted (a crashed run): no args change, the reboot is still pending', () => {
    const f = facts('alinux-5.10.134-17-x86_64');
    // Configured = on every entry the bootloader will boot (args live on all of them).
    for (const e of f.grubby.entries) e.args += ' kfence.sample_interval=100';
    const p = planHost(sampling, f);
    assert.equal(p.boot, null);
    assert.ok(p.reboot.required);
  });

  it('booted with the desired args and live: nothing to do', () => {
    const m = reboot(applyPlan(modelFrom(facts('alinux-5.10.134-17-x86_64')), planHost(sampling, facts('alinux-5.10.134-17-x86_64'))).m);
    assert.equal(m.f.kfence.params.sample_interval?.value, '100');
    assert.ok(planIsEmpty(planHost(sampling, m.f)));
  });

  it('booted with the desired args but the effect is missing: a warning, never another reboot', () => {
    const m = reboot(applyPlan(modelFrom(facts('alinux-5.10.134-17-x86_64')), planHost(sampling, facts('alinux-5.10.134-17-x86_64'))).m);
    m.f.kfence.params.sample_interval!.value = '0'; // e.g. the boot-time pool allocation failed
    const p = planHost(sampling, m.f);
    assert.equal(p.reboot.required, false);
    assert.match(p.warnings.join('\n'), /sample_interval is 0 although this boot's command line carries the desired args/);
  });

  it('apply: both makes live what it can and reboots only for the rest', () => {
    const up = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'both' }), facts('upstream-6.12'));
    assert.equal(up.reboot.required, false, 'upstream >= 5.18 enables live');
    assert.equal(up.runtime.length, 2);
    const al = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'both' }), facts('alinux-5.10.134-17-x86_64'));
    assert.ok(al.reboot.required, 'a small Alinux pool can only come from a boot');
    assert.match(al.reboot.reasons.join('\n'), /can only be created at boot/);
  });

  it('apply: runtime never asks for a reboot; the small Alinux pool is refused with the way out', () => {
    const p = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'runtime' }), facts('alinux-5.10.134-17-x86_64'));
    assert.equal(p.refused[0]?.code, 'RUNTIME_IMPOSSIBLE');
    assert.match(p.refused[0]?.message ?? '', /2 MiB pool .* only be created at boot.*1 GiB/);
    assert.equal(p.refused[0]?.hint, 'apply: boot with a reboot would do it');
    const upOld = facts('upstream-5.15');
    upOld.kfence.params.sample_interval!.value = '0';
    const q = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'runtime' }), upOld);
    assert.equal(q.refused[0]?.code, 'RUNTIME_IMPOSSIBLE');
    assert.match(q.refused[0]?.message ?? '', /before 5\.18/);
  });

  it('a booting_max that disables KFENCE on this host warns instead of rebooting', () => {
    const p = planHost(play({ mode: 'sampling', sample_interval: 100, booting_max: '0-2G:0,2G-32G:2M,32G-:32M', apply: 'both' }), facts('alinux-5.10.134-15-x86_64'));
    assert.equal(p.reboot.required, false);
    assert.match(p.warnings.join('\n'), /stays disabled at boot .*1\.5 GiB/);
  });

  it('the boot unit is pending until a boot carries its marker', () => {
    const k = play({ mode: 'sampling', sample_interval: 100, slabs: { kind: 'only', names: ['kmalloc-64'] }, apply: 'boot' });
    const f = facts('alinux-5.10.134-16-aarch64');
    const p = planHost(k, f);
    assert.equal(p.unit?.action, 'install');
    assert.ok(p.reboot.required);
    const applied = applyPlan(modelFrom(f), p);
    const again = planHost(k, applied.m.f);
    assert.ok(again.reboot.required, 'installed but not yet booted: still pending');
    assert.equal(again.unit, null);
    const booted = reboot(applied.m);
    assert.equal(booted.f.slabs.dentry?.value, '0');
    assert.equal(booted.f.slabs['kmalloc-64']?.value, '1');
    assert.ok(planIsEmpty(planHost(k, booted.f)));
    // Someone turned kmalloc-64 off after that boot: warned, not rebooted again.
    booted.f.slabs['kmalloc-64']!.value = '0';
    const drift = planHost(k, booted.f);
    assert.equal(drift.reboot.required, false);
    assert.match(drift.warnings.join('\n'), /not live \(kmalloc-64\)/);
  });

  it('removes the unit and its marker when the selection returns to all', () => {
    const k = play({ mode: 'sampling', sample_interval: 100, slabs: { kind: 'only', names: ['kmalloc-64'] }, apply: 'both' });
    const f = facts('alinux-5.10.134-16-aarch64');
    const m = reboot(applyPlan(modelFrom(f), planHost(k, f)).m);
    const back = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'both' }), m.f);
    assert.equal(back.unit?.action, 'remove');
    assert.deepEqual(back.boot?.remove, ['kfleet.boot_unit']);
    assert.ok(back.runtime.length > 0, 'the slabs are turned back on live');
    assert.equal(back.reboot.required, false);
  });
});
