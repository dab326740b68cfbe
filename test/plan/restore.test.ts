// The restore planner (src/plan/restore.ts), pure: which writes, args, unit and reboot put a host back
// to its recorded facts, and the read-back that says what still differs.
import assert from 'node:assert/strict';
import type { HostFacts } from '../../src/facts/types.js';
import { planRestore, restoreGaps, specFromFacts, unitRestore } from '../../src/plan/restore.js';
import { installUnit } from '../../src/plan/boot-unit.js';
import { compactSteps, facts, play } from './helpers.js';

const P = play();

function withInterval(f: HostFacts, v: string): HostFacts {
  f.kfence.params.sample_interval = { ...f.kfence.params.sample_interval!, value: v };
  return f;
}
function withArgs(f: HostFacts, extra: string): HostFacts {
  f.cmdline = `${f.cmdline} ${extra}`;
  f.grubby.entries = f.grubby.entries.map((e) => ({ ...e, args: `${e.args} ${extra}` }));
  return f;
}

describe('plan/restore', () => {
  it('sampling from the boot, turned off at runtime: the small pool only comes back at boot, so a reboot is planned', () => {
    const before = withInterval(withArgs(facts('alinux-5.10.134-17-x86_64'), 'kfence.sample_interval=100'), '100');
    const now = withInterval(withArgs(facts('alinux-5.10.134-17-x86_64'), 'kfence.sample_interval=100'), '0');
    const rp = planRestore(P, before, now);
    assert.deepEqual(rp.refused, []);
    assert.equal(rp.live, null);
    assert.deepEqual(rp.args, []);
    assert.equal(rp.reboot.required, true);
    assert.match(rp.reboot.reasons.join(), /can only be created at boot.*a boot with the recorded args restores it/);
    // After that boot, no second reboot is asked: what is still off is refused with the reason.
    const again = planRestore(P, before, now, true);
    assert.equal(again.reboot.required, false);
    assert.match(again.refused[0]!.message, /after the restore reboot/);
  });

  it('a live state the kernel can write now: runtime steps, no reboot', () => {
    const before = withInterval(facts('alinux-5.10.134-17-x86_64'), '-1');
    before.kfence.params.num_objects = { ...before.kfence.params.num_objects!, value: '131071' };
    const now = facts('alinux-5.10.134-17-x86_64');
    const rp = planRestore(P, before, now);
    assert.equal(rp.reboot.required, false);
    assert.deepEqual(rp.refused, []);
    assert.ok(rp.live);
    assert.deepEqual(compactSteps(rp.live.runtime).filter((s) => /sample_interval|num_objects/.test(s)), ['write num_objects=131071', 'write sample_interval=-1']);
  });

  it('KFENCE off before and after, but a run cut between its writes left fault=panic and order0_page=0: both are written back', () => {
    const before = facts('alinux-5.10.134-17-x86_64');
    const now = facts('alinux-5.10.134-17-x86_64');
    now.kfence.params.fault = { ...now.kfence.params.fault!, value: 'panic' };
    now.kfence.params.order0_page = { ...now.kfence.params.order0_page!, value: '0' };
    const rp = planRestore(P, before, now);
    assert.equal(rp.reboot.required, false);
    assert.deepEqual(compactSteps(rp.live!.runtime), ['write order0_page=1', 'write fault=report']);
  });

  it('args the run gave the boot: every entry gets its recorded tokens back and the booted difference asks a reboot', () => {
    const before = facts('alinux-5.10.134-17-x86_64');
    const now = withInterval(withArgs(facts('alinux-5.10.134-17-x86_64'), 'kfence.sample_interval=200 kfleet.boot_unit=abc'), '200');
    const rp = planRestore(P, before, now);
    assert.deepEqual(rp.args.map((a) => [a.kernels, a.add, a.remove]), before.grubby.entries.map((e) => [[e.kernel], [], ['kfence.sample_interval', 'kfleet.boot_unit']]));
    assert.equal(rp.reboot.required, true);
    assert.match(rp.reboot.reasons[0]!, /booted with kfence\.booting_max=\S+ kfence\.sample_interval=200 kfleet\.boot_unit=abc; the recorded boot had kfence\.booting_max=\S+$/);
    assert.equal(rp.live, null, 'live values are planned after the boot');
  });

  it('refuses, without a pointless reboot, what neither a write nor a boot brings back', () => {
    // Upstream 5.15 has no late enable; the recorded 50 came from a write the boot args do not reproduce.
    const before = withInterval(facts('upstream-5.15'), '50');
    const now = withInterval(facts('upstream-5.15'), '0');
    const rp = planRestore(P, before, now);
    assert.equal(rp.reboot.required, false);
    assert.equal(rp.refused[0]?.code, 'ROLLBACK_IMPOSSIBLE');
    assert.match(rp.refused[0]!.message, /sample_interval 50.*a boot with the recorded args gives sample_interval/);
  });

  it('the boot unit: removed when the run installed it, rebuilt when the recorded selection reproduces it, refused otherwise', () => {
    const before = facts('alinux-5.10.134-17-x86_64');
    const now = facts('alinux-5.10.134-17-x86_64');
    now.boot_unit = { installed: true, hash: 'f'.repeat(64) };
    assert.equal(unitRestore(before, now).change?.action, 'remove');
    const names = Object.keys(before.slabs).filter((n) => !before.slabs[n]!.alias_of && before.slabs[n]!.control);
    for (const n of names) before.slabs[n] = { ...before.slabs[n]!, value: n === names[0] ? '1' : '0' };
    const u = installUnit({ control: 'kfence_enable', kind: 'only', names: [names[0]!] });
    before.boot_unit = { installed: true, hash: u.hash };
    assert.equal(unitRestore(before, now).change?.hash, u.hash);
    before.boot_unit = { installed: true, hash: 'e'.repeat(64) };
    assert.equal(unitRestore(before, now).refusal?.code, 'ROLLBACK_UNIT_UNKNOWN');
    assert.equal(planRestore(P, before, now).refused[0]?.code, 'ROLLBACK_UNIT_UNKNOWN');
  });

  it('restoreGaps names each difference (live, entries, booted args) and nothing when the host is back', () => {
    const before = withInterval(withArgs(facts('alinux-5.10.134-17-x86_64'), 'kfence.sample_interval=100'), '100');
    assert.deepEqual(restoreGaps(before, structuredClone(before)), { live: [], configured: [], booted: [] });
    const now = withInterval(facts('alinux-5.10.134-17-x86_64'), '0');
    const g = restoreGaps(before, now);
    assert.deepEqual(g.live, ['sample_interval is 0, recorded 100']);
    assert.equal(g.configured.length, before.grubby.entries.length);
    assert.match(g.booted[0]!, /runs with kfence\.booting_max=\S+, recorded .*kfence\.sample_interval=100/);
  });

  it('specFromFacts reproduces the recorded values as an apply: runtime spec', () => {
    const f = withInterval(facts('alinux-5.10.134-17-x86_64'), '100');
    assert.deepEqual(specFromFacts(f), { mode: 'sampling', sample_interval: 100, slabs: { kind: 'all', names: [] }, apply: 'runtime', acknowledge_panic: true, num_objects: 255, pool_mode: 'global', order0_page: true, fault: 'report' });
  });
});
