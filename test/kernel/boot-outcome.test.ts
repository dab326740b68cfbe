import assert from 'node:assert/strict';
import { bootOutcome } from '../../src/kernel/boot-outcome.js';
import { capabilities } from '../../src/kernel/capabilities.js';
import { GiB, MiB } from '../../src/kernel/constants.js';
import { facts } from '../plan/helpers.js';

const x86 = capabilities(facts('alinux-5.10.134-17-x86_64'));
const arm = capabilities(facts('alinux-5.10.134-16-aarch64'));
const up = capabilities(facts('upstream-6.12'));
const bm = '0-2G:0,2G-32G:2M,32G-:32M';

describe('boot outcome (what a boot with these args shows)', () => {
  it('sampling with booting_max: capped, or disabled on small hosts', () => {
    const o = bootOutcome({ 'kfence.sample_interval': '100', 'kfence.num_objects': '8191', 'kfence.booting_max': bm }, x86, 16 * GiB);
    assert.equal(o.interval, 100);
    assert.equal(o.numObjects, 255);
    assert.deepEqual(o.capped, { from: 8191, to: 255 });
    assert.equal(o.pool?.pool, 2 * MiB);
    const small = bootOutcome({ 'kfence.sample_interval': '100', 'kfence.booting_max': bm }, x86, 1.5 * GiB);
    assert.equal(small.interval, 0);
    assert.equal(small.numObjects, 0);
    assert.match(small.disabledReason ?? '', /zero bytes/);
    const bad = bootOutcome({ 'kfence.sample_interval': '100', 'kfence.booting_max': '2G-1G:1M' }, x86, 16 * GiB);
    assert.equal(bad.interval, 0);
  });

  it('full mode and node mode need >= 131071 objects at boot', () => {
    assert.equal(bootOutcome({ 'kfence.sample_interval': '-1' }, x86, 64 * GiB).interval, 0);
    assert.equal(bootOutcome({ 'kfence.sample_interval': '100', 'kfence.pool_mode': 'node' }, x86, 64 * GiB).interval, 0);
    const full = bootOutcome({ 'kfence.sample_interval': '-1', 'kfence.num_objects': '1000000', 'kfence.booting_max': bm }, x86, 64 * GiB);
    assert.equal(full.interval, -1);
    assert.equal(full.pool?.pool, 8 * GiB, 'booting_max does not apply outside upstream mode');
  });

  it('arm64 ignores a boot num_objects of 1 GiB or more', () => {
    const o = bootOutcome({ 'kfence.sample_interval': '-1', 'kfence.num_objects': '1000000' }, arm, 16 * GiB);
    assert.equal(o.interval, 0);
    assert.equal(bootOutcome({ 'kfence.sample_interval': '100', 'kfence.num_objects': '1023' }, arm, 16 * GiB).numObjects, 1023);
  });

  it('upstream: only sample_interval, negatives rejected, default from config', () => {
    assert.equal(bootOutcome({ 'kfence.sample_interval': '100' }, up, 4 * GiB).interval, 100);
    assert.equal(bootOutcome({ 'kfence.sample_interval': '-1' }, up, 4 * GiB).interval, 0);
    assert.equal(bootOutcome({}, up, 4 * GiB).interval, 0);
    assert.equal(bootOutcome({}, arm, 4 * GiB).interval, null, 'unknown default (no /boot/config)');
  });
});
