// The trial decision per host (pure): mechanism and reason from the probed facts, the guard args,
// reboot.trial's refusal or warning, and what fault: panic risks on the host.
import assert from 'node:assert/strict';
import { decideTrial, faultPanicRisks, guardArgs, trialVerdict } from '../../src/plan/trial.js';
import { planHost } from '../../src/plan/plan-host.js';
import type { TrialFacts } from '../../src/facts/reads/trial-facts.js';
import { facts, play } from './helpers.js';

function tf(over: Partial<TrialFacts> = {}): TrialFacts {
  return {
    tools: ['grub2-reboot', 'grub2-editenv'],
    grubenv: [{ path: '/boot/grub2/grubenv', writable: true }],
    boot_fs: { source: '/dev/vda2', fstype: 'ext4' },
    kernel_panic: 10,
    softlockup_panic: 0,
    kexec_load_disabled: 0,
    lockdown: null,
    kdump: { reserved_bytes: 256 << 20, loaded: true, service: 'active' },
    ...over,
  };
}

describe('plan: trial boots', () => {
  it('grubby hosts use a one-shot entry with grub2-reboot; Debian GRUB hosts with grub-reboot', () => {
    const d = decideTrial({ policy: 'preferred', bootloader: 'grubby', facts: tf() });
    assert.equal(d.mechanism, 'grubby-oneshot');
    assert.deepEqual(d.oneshot, { command: 'grub2-reboot', env_block: '/boot/grub2/grubenv' });
    const deb = decideTrial({ policy: 'preferred', bootloader: 'grub-debian', facts: tf({ tools: ['grub-reboot'], grubenv: [{ path: '/boot/grub/grubenv', writable: true }] }) });
    assert.equal(deb.mechanism, 'grub-debian-oneshot');
    assert.equal(deb.oneshot?.command, 'grub-reboot');
  });

  it('no one-shot where GRUB cannot clear next_entry at boot (md RAID, LVM, btrfs) or the block is missing or read-only; the reason says which', () => {
    const cases: [Partial<TrialFacts>, RegExp][] = [
      [{ boot_fs: { source: '/dev/md0', fstype: 'xfs' } }, /md RAID \(\/dev\/md0\).*cannot clear the one-shot/],
      [{ boot_fs: { source: '/dev/mapper/vg-root', fstype: 'xfs' } }, /LVM/],
      [{ boot_fs: { source: '/dev/vda2', fstype: 'btrfs' } }, /btrfs/],
      [{ grubenv: [] }, /environment block \/boot\/grub2\/grubenv is missing/],
      [{ grubenv: [{ path: '/boot/grub2/grubenv', writable: false }] }, /not writable/],
      [{ tools: [] }, /grub2-reboot is not installed/],
    ];
    for (const [over, why] of cases) {
      const d = decideTrial({ policy: 'preferred', bootloader: 'grubby', facts: tf(over) });
      assert.equal(d.mechanism, 'none');
      assert.match(d.reason, why);
    }
    assert.match(decideTrial({ policy: 'preferred', bootloader: 'kernel-install', facts: tf() }).reason, /systemd-boot/);
    assert.match(decideTrial({ policy: 'off', bootloader: 'grubby', facts: tf() }).reason, /reboot\.trial: off/);
  });

  it('kexec only where probed (tool, not disabled, not locked down) and allowed', () => {
    const raid = { boot_fs: { source: '/dev/md0', fstype: 'xfs' }, tools: ['grub2-reboot', 'kexec'] };
    assert.equal(decideTrial({ policy: 'preferred', bootloader: 'grubby', facts: tf(raid), allowKexec: true }).mechanism, 'kexec');
    assert.match(decideTrial({ policy: 'preferred', bootloader: 'grubby', facts: tf(raid) }).reason, /kexec trials are not enabled/);
    assert.match(decideTrial({ policy: 'preferred', bootloader: 'grubby', facts: tf({ ...raid, lockdown: 'integrity' }), allowKexec: true }).reason, /locked down \(integrity\)/);
    assert.match(decideTrial({ policy: 'preferred', bootloader: 'grubby', facts: tf({ ...raid, kexec_load_disabled: 1 }), allowKexec: true }).reason, /kexec_load_disabled/);
  });

  it('guard args: panic= unless the command line has one (sysctl.d comes too late for a panic at boot), softlockup_panic=1 unless set', () => {
    assert.deepEqual(guardArgs(tf({ kernel_panic: 0 })), ['panic=10', 'softlockup_panic=1']);
    assert.deepEqual(guardArgs(tf({ kernel_panic: 30 })), ['panic=30', 'softlockup_panic=1']);
    assert.deepEqual(guardArgs(tf({ kernel_panic: 30, softlockup_panic: 1 }), 'ro panic=5 softlockup_panic=1 quiet'), []);
    assert.deepEqual(guardArgs(tf({ kernel_panic: 0 }), 'ro panic=0'), ['panic=10', 'softlockup_panic=1']);
    assert.deepEqual(decideTrial({ policy: 'preferred', bootloader: 'grubby', facts: tf({ kernel_panic: 0 }) }).guard_args, ['panic=10', 'softlockup_panic=1']);
  });

  it('reboot.trial: required refuses a host without a trial; preferred warns; nothing when no reboot is needed', () => {
    const none = decideTrial({ policy: 'required', bootloader: 'grubby', facts: tf({ tools: [] }) });
    assert.equal(trialVerdict('required', none, true, true).refused[0]?.code, 'TRIAL_UNAVAILABLE');
    assert.match(trialVerdict('preferred', none, true, true).warnings[0]!, /no trial boot on this host \(grub2-reboot is not installed; kexec is not installed\)/);
    assert.deepEqual(trialVerdict('required', none, false, true), { warnings: [], refused: [] });
  });

  it('fault: panic on a host with kernel.panic = 0 and no kdump: a warning naming each, with the consequence', () => {
    const f = tf({ kernel_panic: 0, kdump: { reserved_bytes: 0, loaded: false, service: 'inactive' } });
    const w = faultPanicRisks(f, decideTrial({ policy: 'preferred', bootloader: 'grubby', facts: f })).join('\n');
    assert.match(w, /kernel\.panic = 0: a KFENCE panic hangs this host until someone power-cycles it/);
    assert.match(w, /no crashkernel= memory is reserved, so a KFENCE panic leaves no vmcore/);
    const loadedOff = faultPanicRisks(tf({ kdump: { reserved_bytes: 1 << 28, loaded: false, service: 'failed' } }), decideTrial({ policy: 'off', bootloader: 'grubby', facts: tf() })).join('\n');
    assert.match(loadedOff, /no crash kernel is loaded and the kdump service is failed/);
    assert.match(loadedOff, /without a trial boot \(reboot\.trial: off\)/);
    assert.deepEqual(faultPanicRisks(tf(), decideTrial({ policy: 'preferred', bootloader: 'grubby', facts: tf() })), []);
  });

  it('planHost: the decision rides with a reboot, and fault: panic risks reach the warnings', () => {
    const f = facts('alinux-5.10.134-17-x86_64');
    f.trial = tf({ kernel_panic: 0, kdump: { reserved_bytes: 0, loaded: false, service: 'inactive' } });
    const p = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'boot', fault: 'panic', acknowledge_panic: true }), f);
    assert.equal(p.reboot.required, true, p.refused.map((r) => r.message).join());
    assert.equal(p.trial?.mechanism, 'grubby-oneshot');
    assert.deepEqual(p.trial?.guard_args, ['panic=10', 'softlockup_panic=1']);
    const w = p.warnings.join('\n');
    assert.match(w, /kernel\.panic = 0/);
    assert.match(w, /no vmcore/);
    const req = play({ mode: 'sampling', sample_interval: 100, apply: 'boot' });
    req.reboot.trial = 'required';
    f.trial = tf({ tools: [] });
    assert.equal(planHost(req, f).refused[0]?.code, 'TRIAL_UNAVAILABLE');
  });
});
