import assert from 'node:assert/strict';
import { carries, editCmdline, kfenceArgs, lastValue, tokenize } from '../../src/kernel/cmdline.js';

describe('kernel command line', () => {
  it('tokenizes with double quotes and bare flags', () => {
    const t = tokenize('ro quiet  root=UUID=ab-cd acpi_osi="!Windows 2012" kfence.sample_interval=100');
    assert.deepEqual(t.map((x) => [x.key, x.value]), [
      ['ro', null], ['quiet', null], ['root', 'UUID=ab-cd'], ['acpi_osi', '!Windows 2012'], ['kfence.sample_interval', '100'],
    ]);
  });

  it('the last occurrence wins', () => {
    const line = 'kfence.sample_interval=100 x kfence.sample_interval=0';
    assert.equal(lastValue(line, 'kfence.sample_interval'), '0');
    assert.equal(lastValue(line, 'kfence.num_objects'), undefined);
    assert.deepEqual(kfenceArgs(`${line} kfence.booting_max=0-:2M`), { 'kfence.sample_interval': '0', 'kfence.booting_max': '0-:2M' });
  });

  it('edits in place, drops duplicates, appends and removes', () => {
    assert.equal(editCmdline('ro kfence.sample_interval=1 quiet', { 'kfence.sample_interval': '100' }), 'ro kfence.sample_interval=100 quiet');
    assert.equal(editCmdline('a kfence.x=1 b kfence.x=2', { 'kfence.x': '3' }), 'a kfence.x=3 b');
    assert.equal(editCmdline('ro', { 'kfence.sample_interval': '100', 'kfence.fault': 'panic' }), 'ro kfence.sample_interval=100 kfence.fault=panic');
    assert.equal(editCmdline('ro kfence.booting_max=0-:2M quiet kfence.booting_max=1', { 'kfence.booting_max': null }), 'ro quiet');
    assert.equal(editCmdline('ro', { 'kfence.x': 'a b' }), 'ro kfence.x="a b"');
  });

  it('carries compares last values and absence', () => {
    assert.ok(carries('kfence.sample_interval=0 kfence.sample_interval=100', { 'kfence.sample_interval': '100' }));
    assert.ok(!carries('kfence.sample_interval=100 kfence.sample_interval=0', { 'kfence.sample_interval': '100' }));
    assert.ok(carries('ro', { 'kfence.booting_max': null }));
    assert.ok(!carries('ro kfence.booting_max=0-:2M', { 'kfence.booting_max': null }));
  });
});
