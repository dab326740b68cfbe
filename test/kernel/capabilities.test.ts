import assert from 'node:assert/strict';
import { capabilities } from '../../src/kernel/capabilities.js';
import { facts } from '../plan/helpers.js';

describe('capabilities', () => {
  it('detects the flavour from the parameter files, not the name', () => {
    assert.equal(capabilities(facts('alinux-5.10.134-17-x86_64')).flavor, 'alinux');
    assert.equal(capabilities(facts('upstream-6.12')).flavor, 'upstream');
    assert.equal(capabilities(facts('no-kfence')).flavor, 'none');
    // An Alinux-named kernel without the Alinux files is treated as upstream.
    const f = facts('alinux-5.10.134-17-x86_64');
    for (const k of ['num_objects', 'pool_mode', 'order0_page', 'fault']) delete f.kfence.params[k];
    assert.equal(capabilities(f).flavor, 'upstream');
  });

  it('applies the guide gates', () => {
    assert.equal(capabilities(facts('alinux-5.10.84-10-x86_64')).tooOld, null);
    assert.equal(capabilities(facts('alinux-5.10.134-16-aarch64')).tooOld, null);
    const old = facts('alinux-5.10.84-10-x86_64');
    old.kernel.release = '5.10.84-9.al8.x86_64';
    assert.match(capabilities(old).tooOld ?? '', /5\.10\.84-10/);
    const arm = facts('alinux-5.10.134-16-aarch64');
    arm.kernel.release = '5.10.134-15.al8.aarch64';
    assert.match(capabilities(arm).tooOld ?? '', /5\.10\.134-16/);
    assert.ok(capabilities(facts('alinux-5.10.134-15-x86_64')).order0Unsafe);
    assert.ok(!capabilities(facts('alinux-5.10.134-17-x86_64')).order0Unsafe);
    assert.ok(capabilities(facts('alinux-5.10.134-17-x86_64')).fault);
    assert.ok(!capabilities(facts('alinux-5.10.134-15-x86_64')).fault);
  });

  it('knows upstream late enable, writability and slab controls', () => {
    const u = capabilities(facts('upstream-6.12'));
    assert.ok(u.runtimeEnable);
    assert.ok(u.writable.has('sample_interval') && !u.writable.has('deferrable') && u.writable.has('burst'));
    assert.equal(u.slabControl, 'skip_kfence');
    const o = capabilities(facts('upstream-5.15'));
    assert.ok(!o.runtimeEnable);
    assert.equal(o.slabControl, null);
    assert.equal(capabilities(facts('alinux-5.10.134-17-x86_64')).slabControl, 'kfence_enable');
    assert.equal(capabilities(facts('alinux-5.10.134-17-x86_64')).nodes, 2);
  });
});
