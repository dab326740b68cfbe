// planHost rules that the scenario table does not single out.

import assert from 'node:assert/strict';
import { planHost } from '../../src/plan/plan-host.js';
import { planIsEmpty } from '../../src/plan/types.js';
import { compactSteps, facts, play } from './helpers.js';

const codes = (p: ReturnType<typeof planHost>) => p.refused.map((r) => r.code);

describe('planHost', () => {
  it('refuses unprivileged hosts only when something must be written', () => {
    const f = facts('upstream-6.12');
    f.privileged = false;
    assert.deepEqual(codes(planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'runtime' }), f)), ['NOT_PRIVILEGED']);
    assert.ok(planIsEmpty(planHost(play({ mode: 'off', sample_interval: 0, apply: 'runtime' }), f)));
  });

  it('checks the memory budget against MemTotal, counting node pools per node', () => {
    const k = { mode: 'full' as const, sample_interval: -1, num_objects: 1_000_000, pool_mode: 'node' as const, apply: 'runtime' as const };
    const p = planHost(play({ ...k, memory_budget: { percent: 10 } }), facts('alinux-5.10.134-17-x86_64'));
    assert.deepEqual(codes(p), ['OVER_MEMORY_BUDGET'], '16 GiB + metadata is over 10% of 62 GiB');
    assert.match(p.refused[0]?.message ?? '', /18\.\d GiB, over the budget of 6\.2 GiB/);
    const ok = planHost(play({ ...k, pool_mode: 'global', memory_budget: { percent: 20 } }), facts('alinux-5.10.134-17-x86_64'));
    assert.deepEqual(codes(ok), []);
    assert.equal(ok.memory_bytes, 8 * 2 ** 30 + 8 * 131071 * 1152);
    assert.deepEqual(codes(planHost(play({ ...k, pool_mode: 'global' }), facts('alinux-5.10.84-10-x86_64'))), ['OVER_MEMORY_BUDGET'], 'larger than the host');
    assert.deepEqual(codes(planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'boot', memory_budget: { bytes: 1024 * 1024 } }), facts('alinux-5.10.134-17-x86_64'))), ['OVER_MEMORY_BUDGET']);
  });

  it('refuses unknown slabs, kernels below the gates and hosts without boot entries', () => {
    assert.deepEqual(codes(planHost(play({ slabs: { kind: 'only', names: ['kmalloc-64', 'nope'] } }), facts('alinux-5.10.134-17-x86_64'))), ['SLAB_UNKNOWN']);
    const old = facts('alinux-5.10.84-10-x86_64');
    old.kernel.release = '5.10.60-9.al8.x86_64';
    assert.deepEqual(codes(planHost(play(), old)), ['KERNEL_TOO_OLD']);
    const f = facts('alinux-5.10.134-17-x86_64');
    f.grubby.entries = [];
    assert.deepEqual(codes(planHost(play({ apply: 'boot' }), f)), ['NO_BOOTLOADER']);
    assert.deepEqual(codes(planHost(play({ booting_max: 'oops' }), facts('alinux-5.10.134-17-x86_64'))), ['BOOTING_MAX_INVALID']);
  });

  it('writes a merged cache once, through its real name', () => {
    const p = planHost(play({ mode: 'sampling', sample_interval: 100, slabs: { kind: 'except', names: ['kmalloc-256', 'biovec-16'] }, apply: 'runtime' }), facts('alinux-5.10.134-16-aarch64'));
    assert.deepEqual(compactSteps(p.runtime), ['write slab :0000256=0']);
    assert.match(p.warnings.join('\n'), /kmalloc-256 is merged with :0000256, biovec-16/);
  });

  it('sizes num_objects: auto from the selected slabs (sampling keeps the sum)', () => {
    const p = planHost(play({ mode: 'sampling', sample_interval: 100, num_objects: 'auto', slabs: { kind: 'only', names: ['kmalloc-64', 'task_struct'] }, apply: 'boot' }), facts('alinux-5.10.134-17-x86_64'));
    assert.equal(p.desired_args['kfence.num_objects'], String(768 + 412));
    assert.doesNotMatch(p.warnings.join('\n'), /caps num_objects/);
    // The -17 host's default booting_max (32G-:32M on 62 GiB) caps a larger sum at 4095 objects.
    const big = planHost(play({ mode: 'sampling', sample_interval: 100, num_objects: 'auto', slabs: { kind: 'only', names: ['kmalloc-64', 'dentry'] }, apply: 'boot' }), facts('alinux-5.10.134-17-x86_64'));
    assert.equal(big.desired_args['kfence.num_objects'], String(768 + 25368));
    assert.match(big.warnings.join('\n'), /booting_max caps num_objects at 4095 on this host \(asked 26136\)/);
    assert.equal(big.memory_bytes, 4096 * 2 * 4096 + 4095 * 1152);
  });

  it('uses upstream polarity for skip_kfence and Alinux polarity for kfence_enable', () => {
    const k = play({ mode: 'sampling', sample_interval: 100, slabs: { kind: 'except', names: ['dentry'] }, apply: 'runtime' });
    assert.deepEqual(compactSteps(planHost(k, facts('upstream-6.12')).runtime), ['write slab dentry=1', 'write sample_interval=100', 'verify enabled=1']);
    assert.deepEqual(compactSteps(planHost(k, facts('alinux-5.10.134-16-aarch64')).runtime), ['write slab dentry=0']);
  });

  it('sets the args on every entry (--update-kernel=ALL) and warns, naming both kernels, when the default is not the running one', () => {
    const f = facts('alinux-5.10.134-17-x86_64');
    f.grubby.default_kernel = f.grubby.entries[1]!.kernel;
    const p = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'boot' }), f);
    assert.deepEqual(p.boot?.kernels, ['ALL']);
    assert.deepEqual(p.boot?.entries.map((e) => e.kernel), f.grubby.entries.map((e) => e.kernel));
    for (const e of p.boot?.entries ?? []) assert.ok(e.after.endsWith('kfence.sample_interval=100'), e.after);
    assert.match(p.warnings.join('\n'), /next boot starts \/boot\/vmlinuz-5\.10\.134-16\.al8\.x86_64 .*not the running kernel 5\.10\.134-17\.al8\.x86_64/);
    // Only one entry lacks the args: only that entry is changed.
    const one = facts('alinux-5.10.134-17-x86_64');
    one.grubby.entries[0]!.args += ' kfence.sample_interval=100';
    const q1 = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'boot' }), one);
    assert.deepEqual(q1.boot?.kernels, [one.grubby.entries[1]!.kernel]);
    assert.doesNotMatch(q1.warnings.join('\n'), /next boot starts/);
    // Duplicates collapse to one token (remove them all, then add).
    const d = facts('alinux-5.10.134-17-x86_64');
    d.grubby.entries[0]!.args += ' kfence.sample_interval=5 kfence.sample_interval=7';
    const q = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'boot' }), d);
    assert.deepEqual(q.boot?.remove, ['kfence.sample_interval']);
    assert.equal(q.boot?.entries[0]?.after.match(/kfence\.sample_interval/g)?.length, 1);
  });

  it('keeps arm64 pools of 1 GiB or more live only with apply: both', () => {
    const p = planHost(play({ mode: 'full', sample_interval: -1, num_objects: 262142, apply: 'both' }), facts('alinux-5.10.134-16-aarch64'));
    assert.deepEqual(codes(p), []);
    assert.match(p.warnings.join('\n'), /arm64 cannot reserve a pool of 1 GiB/);
    assert.equal(p.desired_args['kfence.sample_interval'], undefined);
    assert.deepEqual(compactSteps(p.runtime), ['write sample_interval=0', 'write num_objects=262142', 'write sample_interval=-1', 'verify enabled=1']);
  });

  it('warns about order-0 sampling on <= 5.10.134-15 and about fault: panic', () => {
    assert.match(planHost(play(), facts('alinux-5.10.134-15-x86_64')).warnings.join('\n'), /set order0_page: false/);
    assert.doesNotMatch(planHost(play({ order0_page: false }), facts('alinux-5.10.134-15-x86_64')).warnings.join('\n'), /order-0/);
    assert.match(planHost(play({ fault: 'panic', acknowledge_panic: true }), facts('alinux-5.10.134-17-x86_64')).warnings.join('\n'), /panics this host/);
  });

  it('records the fingerprint and release of the facts', () => {
    const p = planHost(play(), facts('upstream-6.12'));
    assert.match(p.fingerprint, /^[0-9a-f]{64}$/);
    assert.equal(p.release, '6.12.117+deb12-amd64');
  });
});
