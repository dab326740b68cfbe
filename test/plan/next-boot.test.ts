// nextBoot: the pending-reboot derivation status and Prometheus use, built from builders.
import assert from 'node:assert/strict';
import { nextBoot } from '../../src/plan/next-boot.js';
import { statusView } from '../../src/cli/status-view.js';
import { facts } from './helpers.js';

function withArgs(booted: string, next: string, interval: string) {
  const f = facts('alinux-5.10.134-17-x86_64');
  f.cmdline = `ro quiet ${booted}`.trim();
  f.grubby.entries[0]!.args = `ro quiet ${next}`.trim();
  f.kfence.params.sample_interval!.value = interval;
  return f;
}

describe('nextBoot (pending reboot without a playbook)', () => {
  it('turned off live and on the command line: nothing pending (issue 13 item 3)', () => {
    const f = withArgs('kfence.sample_interval=100', '', '0');
    assert.deepEqual(nextBoot(f).pending, false);
    assert.deepEqual([statusView(f).pending_reboot, statusView(f).pending_args], [false, []]);
  });
  it('an interval configured but not live: pending, with the arg and the reason', () => {
    const f = withArgs('', 'kfence.sample_interval=100', '0');
    const n = nextBoot(f);
    assert.deepEqual([n.pending, n.args], [true, ['kfence.sample_interval=100']]);
    assert.match(n.reasons.join(), /sample_interval: live 0, 100 after boot/);
    assert.deepEqual(statusView(f).pending_args, ['kfence.sample_interval=100']);
  });
  it('a removed interval whose kernel default is not 0 is pending', () => {
    const f = withArgs('kfence.sample_interval=0', '', '0');
    f.kfence.config.CONFIG_KFENCE_SAMPLE_INTERVAL = '100';
    assert.deepEqual(nextBoot(f).args, ['-kfence.sample_interval']);
  });
  it('same args booted and configured: nothing pending even if live differs (a reboot would not fix it)', () => {
    const f = withArgs('kfence.sample_interval=100', 'kfence.sample_interval=100', '0');
    assert.equal(nextBoot(f).pending, false);
  });
  it('the boot unit: pending while its selection is not live, not once apply: both set it live', () => {
    const f = withArgs('', 'kfleet.boot_unit=abc', '0');
    f.boot_unit = { installed: true, hash: 'abc' };
    assert.equal(nextBoot(f).pending, true, 'apply: boot, not yet booted: the selection is not live');
    f.slabs['dentry']!.value = '0';
    assert.equal(nextBoot(f).pending, false, 'apply: both: the selection is live already');
    const g = withArgs('kfleet.boot_unit=abc', '', '0');
    g.slabs['dentry']!.value = '0';
    assert.equal(nextBoot(g).pending, true, 'unit removed, a selection live: the next boot resets it');
  });

  it('a changed fault is pending until live', () => {
    const f = withArgs('', 'kfence.fault=panic', '0');
    assert.equal(nextBoot(f).pending, true);
    f.kfence.params.fault!.value = 'panic';
    assert.equal(nextBoot(f).pending, false);
  });
});
