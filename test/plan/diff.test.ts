import assert from 'node:assert/strict';
import { argsDiff, describePlan } from '../../src/plan/diff.js';
import { planHost } from '../../src/plan/plan-host.js';
import { facts, play } from './helpers.js';

describe('describePlan (--diff lines)', () => {
  it('shows knob changes with where, steps, args per entry, the unit and the reboot reasons', () => {
    const lines = describePlan(planHost(play({ mode: 'sampling', sample_interval: 100, slabs: { kind: 'only', names: ['kmalloc-64'] }, apply: 'both' }), facts('upstream-6.12')));
    const text = lines.join('\n');
    assert.equal(lines[0], 'upstream-6.12: 6.12.117+deb12-amd64');
    assert.match(text, /sample_interval: 0 -> 100 \(runtime\+boot\)/);
    assert.match(text, /slabs: all -> only kmalloc-64 \(runtime\+boot\)/);
    assert.match(text, /write \/sys\/kernel\/slab\/dentry\/skip_kfence = 1/);
    assert.match(text, /grubby \/boot\/vmlinuz-6\.12\.117\+deb12-amd64: \+kfence\.sample_interval=100 \+kfleet\.boot_unit=/);
    assert.match(text, /boot unit: install \(sha256 [0-9a-f]{12}\)/);
    const reboot = describePlan(planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'both' }), facts('alinux-5.10.134-17-x86_64'))).join('\n');
    assert.match(reboot, /reboot required:\n {4}- sample_interval: live 0, 100 after boot/);
  });

  it('shows refusals with hints and empty plans as no change', () => {
    const r = describePlan(planHost(play({ mode: 'full', sample_interval: -1 }), facts('upstream-6.12')));
    assert.match(r.join('\n'), /refused.*\n {2}KNOB_UNSUPPORTED: full mode .*hint: use mode: sampling/);
    assert.deepEqual(describePlan(planHost(play({ mode: 'off', sample_interval: 0 }), facts('upstream-6.12'))), ['upstream-6.12: no change (6.12.117+deb12-amd64)']);
  });

  it('diffs args by token', () => {
    assert.deepEqual(argsDiff('ro kfence.sample_interval=100 quiet', 'ro quiet kfence.sample_interval=0'), ['-kfence.sample_interval=100', '+kfence.sample_interval=0']);
  });
});
