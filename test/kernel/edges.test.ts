// Kernel-model edges found at plan time (issue 13 item 9): each is a refusal or a warning with its
// reason, from facts the one probe collects.
import assert from 'node:assert/strict';
import { planHost } from '../../src/plan/plan-host.js';
import { objectsPerArea, pudSize } from '../../src/kernel/constants.js';
import { areaPool } from '../../src/kernel/memory.js';
import { evaluateBootingMax } from '../../src/kernel/booting-max.js';
import { facts, play } from '../plan/helpers.js';

const codes = (p: ReturnType<typeof planHost>) => p.refused.map((r) => r.code);
const GiB = 2 ** 30;

describe('kernel-model edges at plan time', () => {
  it('booting_max is refused below 5.10.134-17, the release the guide names, and accepted from it', () => {
    const k = play({ mode: 'sampling', sample_interval: 100, booting_max: '0-2G:0,2G-32G:2M,32G-:32M', apply: 'boot' });
    const old = planHost(k, facts('alinux-5.10.134-15-x86_64'));
    assert.deepEqual(codes(old), ['KNOB_UNSUPPORTED']);
    assert.match(old.refused[0]!.message, /booting_max arrived with kernel 5\.10\.134-17/);
    assert.deepEqual(codes(planHost(k, facts('alinux-5.10.134-17-x86_64'))), []);
    // Removing it stays possible everywhere.
    assert.deepEqual(codes(planHost(play({ mode: 'off', booting_max: null, apply: 'boot' }), facts('alinux-5.10.134-15-x86_64'))), []);
  });

  it('a selected cache of objects larger than a page: refused when it is the only one, a warning next to others', () => {
    const f = facts('alinux-5.10.134-17-x86_64');
    const only8k = planHost(play({ mode: 'sampling', sample_interval: 100, slabs: { kind: 'only', names: ['kmalloc-8k'] }, apply: 'runtime' }), f);
    assert.ok(codes(only8k).includes('SLABS_TOO_LARGE'), JSON.stringify(only8k.refused));
    assert.match(only8k.refused.find((r) => r.code === 'SLABS_TOO_LARGE')!.message, /kmalloc-8k \(8 KiB\).*never samples objects larger than a page \(4 KiB here\)/);
    const mixed = planHost(play({ mode: 'sampling', sample_interval: 100, slabs: { kind: 'only', names: ['kmalloc-8k', 'kmalloc-64'] }, apply: 'runtime' }), f);
    assert.ok(!codes(mixed).includes('SLABS_TOO_LARGE'), JSON.stringify(mixed.refused));
    assert.match(mixed.warnings.join('\n'), /kmalloc-8k \(8 KiB\): KFENCE never samples/);
    // object_size from the probe wins over the name.
    f.slabs.dentry!.object_size = 8192;
    assert.ok(codes(planHost(play({ mode: 'sampling', sample_interval: 100, slabs: { kind: 'only', names: ['dentry'] }, apply: 'runtime' }), f)).includes('SLABS_TOO_LARGE'));
  });

  it('KASAN in the kernel config is a warning (the guide: do not combine), unless kasan=off', () => {
    const f = facts('upstream-6.12');
    f.kfence.config.CONFIG_KASAN = 'y';
    const k = play({ mode: 'sampling', sample_interval: 100, apply: 'runtime' });
    assert.match(planHost(k, f).warnings.join('\n'), /built with KASAN/);
    f.cmdline += ' kasan=off';
    assert.doesNotMatch(planHost(k, f).warnings.join('\n'), /KASAN/);
    assert.doesNotMatch(planHost(play({ mode: 'off', apply: 'runtime' }), facts('upstream-6.12')).warnings.join('\n'), /KASAN/);
  });

  it('a container is refused when the plan would write or reboot; a converged one is left alone', () => {
    const f = facts('upstream-6.12');
    f.env = { container: 'docker', sys_read_only: false, lockdown: null };
    const p = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'runtime' }), f);
    assert.deepEqual(codes(p), ['IN_CONTAINER']);
    assert.match(p.refused[0]!.message, /docker container.*a reboot would only restart the container/);
    const live = Number(f.kfence.params.sample_interval!.value);
    assert.deepEqual(codes(planHost(play({ mode: live === 0 ? 'off' : 'sampling', sample_interval: live || 100, apply: 'runtime' }), f)), []);
  });

  it('/sys read-only refuses live writes; lockdown warns that stats cannot be read', () => {
    const f = facts('upstream-6.12');
    f.env = { container: null, sys_read_only: true, lockdown: 'integrity' };
    const p = planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'runtime' }), f);
    assert.deepEqual(codes(p), ['SYS_READ_ONLY']);
    assert.match(p.warnings.join('\n'), /kernel lockdown \(integrity\) restricts debugfs/);
    f.env.lockdown = 'none';
    assert.doesNotMatch(planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'runtime' }), f).warnings.join('\n'), /lockdown/);
  });

  it('arm64 with 64 KiB pages: PUD areas of 4 TiB (3 levels) or 512 MiB (2 levels), never an assumed 1 GiB', () => {
    assert.equal(pudSize(4096), GiB);
    assert.equal(pudSize(4096, 4), GiB);
    assert.equal(pudSize(65536), 4 * 1024 * GiB);
    assert.equal(pudSize(65536, 2), 512 * 2 ** 20);
    assert.equal(objectsPerArea(4096), 131071);
    assert.equal(objectsPerArea(65536), 33554431);
    assert.equal(areaPool(1, 'global', 1, 65536).pool, 4 * 1024 * GiB);
    // booting_max caps at min(size, PUD_SIZE): with 64 KiB pages the guide's 32M means 255 objects.
    assert.deepEqual(evaluateBootingMax('0-:32M', 64 * GiB, 65536), { kind: 'cap', maxObjects: 255, size: 32 * 2 ** 20 });
    // A full-mode pool on a 64 KiB-page arm64 host: a whole 4 TiB area, refused as more than its memory.
    const f = facts('alinux-5.10.134-16-aarch64');
    f.kernel.page_size = 65536;
    const p = planHost(play({ mode: 'full', sample_interval: -1, apply: 'runtime' }), f);
    assert.deepEqual(codes(p), ['OVER_MEMORY_BUDGET']);
    assert.match(p.refused[0]!.message, /about 4(\.0)? TiB/);
    f.kfence.config.CONFIG_PGTABLE_LEVELS = '2';
    const two = planHost(play({ mode: 'full', sample_interval: -1, apply: 'runtime' }), f);
    assert.match(two.warnings.join('\n'), /512 MiB areas/);
  });
});
