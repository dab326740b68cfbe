import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { machine, release, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProbeOutput } from '../../src/facts/parse.js';
import { BOOT_SCRIPT_PATH, BOOT_UNIT_PATH, PROBE_SCRIPT } from '../../src/facts/probe.js';
import { ALINUX_STATS, buildFakeHost, GRUBBY_INFO, runProbe, sha256File, UNREADABLE, UPSTREAM_STATS, type FakeHost } from './fixtures/fake-host.js';

const BOOT_ID = '0f4b6d3e-7a43-4c5e-9a1e-2b9f3c1d5e6f';

const alinux: FakeHost = {
  release: '5.10.134-17.al8.x86_64',
  grubby: { defaultKernel: '/boot/vmlinuz-5.10.134-17.al8.x86_64', info: GRUBBY_INFO },
  files: {
    '/etc/os-release': 'NAME="Alibaba Cloud Linux"\nVERSION="3 (Soaring Falcon)"\nID="alinux"\nVERSION_ID="3"\nPRETTY_NAME="Alibaba Cloud Linux 3 (Soaring Falcon)"\n',
    '/proc/meminfo': 'MemTotal:       65536000 kB\nMemFree:        1000 kB\nMemAvailable:   60000000 kB\n',
    '/sys/devices/system/node/online': '0-1\n',
    '/sys/devices/system/node/possible': '0-3\n',
    '/proc/sys/kernel/random/boot_id': `${BOOT_ID}\n`,
    '/proc/uptime': '12345.67 40000.00\n',
    '/proc/cmdline': 'BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.10.134-17.al8.x86_64 ro kfence.sample_interval=100\n',
    '/proc/mounts': 'sysfs /sys sysfs rw 0 0\ndebugfs /sys/kernel/debug debugfs rw,relatime 0 0\n',
    '/sys/module/kfence/parameters/sample_interval': { text: '100\n', mode: 0o600 },
    '/sys/module/kfence/parameters/num_objects': { text: '131071\n', mode: 0o600 },
    '/sys/module/kfence/parameters/pool_mode': { text: 'node\n', mode: 0o600 },
    '/sys/module/kfence/parameters/order0_page': { text: '0\n', mode: 0o600 },
    '/sys/module/kfence/parameters/fault': { text: 'report\n', mode: 0o600 },
    '/sys/module/kfence/parameters/skip_covered_thresh': { text: '75\n', mode: 0o644 },
    '/sys/module/kfence/parameters/check_on_panic': UNREADABLE,
    '/sys/kernel/debug/kfence/stats': ALINUX_STATS,
    '/sys/kernel/debug/kfence/objects': 'MUST NOT BE READ\n',
    '/boot/config-5.10.134-17.al8.x86_64': 'CONFIG_X=y\nCONFIG_KFENCE=y\nCONFIG_KFENCE_NUM_OBJECTS=255\nCONFIG_KFENCE_SAMPLE_INTERVAL=0\n# CONFIG_KFENCE_STATIC_KEYS is not set\nCONFIG_KFENCE_STRESS_TEST_FAULTS=0\n',
    '/sys/kernel/slab/:0000064/kfence_enable': '1\n',
    '/sys/kernel/slab/:0000064/objects': '1536 N0=768 N1=768\n',
    '/sys/kernel/slab/kmalloc-128/kfence_enable': '0\n',
    '/sys/kernel/slab/kmalloc-128/objects': '256 N0=128 N1=128\n',
    '/sys/kernel/slab/dentry/kfence_enable': UNREADABLE,
    '/sys/kernel/slab/dentry/objects': '99 N0=99\n',
    '/sys/kernel/slab/nocontrol/objects': '7 N0=7\n',
    [BOOT_UNIT_PATH]: '[Unit]\nDescription=kfleet\n',
    [BOOT_SCRIPT_PATH]: '#!/bin/sh\necho 1 > /sys/kernel/slab/kmalloc-64/kfence_enable\n',
  },
  links: { '/sys/kernel/slab/kmalloc-64': ':0000064', '/sys/kernel/slab/pool_workqueue': '../slab/:0000064' },
};

const upstream: FakeHost = {
  release: '6.12.117+deb12-amd64',
  arch: 'x86_64',
  uid: 1000,
  files: {
    '/usr/lib/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n',
    '/proc/meminfo': 'MemTotal:        2014000 kB\nMemFree:          500000 kB\n',
    '/sys/devices/system/node/online': '0\n',
    '/sys/devices/system/node/possible': '0\n',
    '/proc/sys/kernel/random/boot_id': `${BOOT_ID.toUpperCase()}\n`,
    '/proc/uptime': '5.01 1.00\n',
    '/proc/cmdline': 'BOOT_IMAGE=/boot/vmlinuz-6.12.117+deb12-amd64 root=UUID=x ro quiet kfence.sample_interval=0\n',
    '/proc/mounts': 'sysfs /sys sysfs rw 0 0\n',
    '/sys/module/kfence/parameters/sample_interval': { text: '0\n', mode: 0o600 },
    '/sys/module/kfence/parameters/skip_covered_thresh': { text: '75\n', mode: 0o644 },
    '/sys/module/kfence/parameters/deferrable': { text: 'N\n', mode: 0o444 },
    '/sys/module/kfence/parameters/burst': { text: '0\n', mode: 0o644 },
    '/sys/kernel/slab/kmalloc-64/skip_kfence': '0\n',
    '/sys/kernel/slab/kmalloc-64/objects': '2048 N0=2048\n',
    '/sys/kernel/slab/task_struct/skip_kfence': '1\n',
    '/sys/kernel/slab/task_struct/objects': '300 N0=300\n',
  },
};

const shells: Array<{ name: string; argv: string[]; busyboxTools?: boolean }> = [
  { name: 'dash', argv: ['dash'] },
  { name: 'bash', argv: ['bash'] },
  { name: 'bash --posix', argv: ['bash', '--posix'] },
  ...(existsSync('/bin/busybox') ? [{ name: 'busybox ash with busybox tools', argv: ['/bin/busybox', 'sh'], busyboxTools: true }] : []),
];

/** A bin dir where every tool the probe uses is a busybox applet (a minimal-image userland). */
function busyboxTools(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-bb-'));
  for (const t of ['head', 'sed', 'grep', 'stat', 'readlink', 'sha256sum', 'ls', 'whoami', 'cat']) symlinkSync('/bin/busybox', join(dir, t));
  return dir;
}

/**
 * busybox ash runs its own applets (uname, id) before PATH, so under busybox the fake host takes the
 * machine's real release and uid, and its /boot/config is renamed to match.
 */
function forShell(h: FakeHost, sh: (typeof shells)[number]): FakeHost {
  if (!sh.busyboxTools) return h;
  const files: FakeHost['files'] = {};
  for (const [k, v] of Object.entries(h.files)) files[k === `/boot/config-${h.release}` ? `/boot/config-${release()}` : k] = v;
  return { ...h, release: release(), arch: machine(), uid: 0, files };
}

function probe(h: FakeHost, sh: (typeof shells)[number]): string {
  const env = buildFakeHost(forShell(h, sh));
  return sh.busyboxTools ? runProbe(sh.argv, PROBE_SCRIPT, env, busyboxTools()) : runProbe(sh.argv, PROBE_SCRIPT, env);
}

/** A bin dir with the system's own tools the probe uses, and no getconf (a minimal userland). */
function toolsWithoutGetconf(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-nogetconf-'));
  for (const t of ['head', 'sed', 'grep', 'stat', 'readlink', 'sha256sum', 'ls', 'whoami', 'cat']) symlinkSync(execFileSync('sh', ['-c', `command -v ${t}`], { encoding: 'utf8' }).trim(), join(dir, t));
  return dir;
}

describe('facts probe on a host without getconf (busybox systems)', () => {
  const host = (smaps: boolean): FakeHost => ({ ...upstream, pageSize: null, files: { ...upstream.files, ...(smaps ? { '/proc/self/smaps': '55d0-55d1 r--p 00000000 08:01 1 /bin/sed\nSize:                 64 kB\nKernelPageSize:       64 kB\nMMUPageSize:          64 kB\n' } : {}) } });
  for (const sh of [['/usr/bin/dash'], ['/bin/bash']]) {
    it(`${sh[0]}: the page size comes from KernelPageSize in /proc/self/smaps`, () => {
      const f = parseProbeOutput(runProbe(sh, PROBE_SCRIPT, buildFakeHost(host(true)), toolsWithoutGetconf()), 'bb');
      assert.equal(f.kernel.page_size, 65536);
    });
    it(`${sh[0]}: with neither, the missing tool is named (TOOL_MISSING, not FACTS_MALFORMED)`, () => {
      const out = runProbe(sh, PROBE_SCRIPT, buildFakeHost(host(false)), toolsWithoutGetconf());
      assert.throws(() => parseProbeOutput(out, 'bb'), (e: Error & { code?: string; hint?: string }) => e.code === 'TOOL_MISSING' && /getconf is not installed on bb/.test(e.message) && /install getconf/.test(e.hint ?? ''));
    });
  }
});

describe('facts probe: where it runs (container, read-only /sys, lockdown), KASAN, object sizes', () => {
  it('reads them in one pass', () => {
    const h: FakeHost = {
      ...alinux,
      files: {
        ...alinux.files,
        '/.dockerenv': '',
        '/proc/mounts': 'sysfs /sys sysfs ro,nosuid,nodev,noexec,relatime 0 0\n',
        '/sys/kernel/security/lockdown': 'none [integrity] confidentiality\n',
        '/boot/config-5.10.134-17.al8.x86_64': 'CONFIG_KFENCE=y\nCONFIG_KASAN=y\nCONFIG_KASAN_GENERIC=y\nCONFIG_PGTABLE_LEVELS=4\n',
        '/sys/kernel/slab/kmalloc-128/object_size': '128\n',
      },
    };
    const f = parseProbeOutput(runProbe(['dash'], PROBE_SCRIPT, buildFakeHost(h)), 'c1');
    assert.deepEqual(f.env, { container: 'docker', sys_read_only: true, lockdown: 'integrity' });
    assert.deepEqual([f.kfence.config.CONFIG_KASAN, f.kfence.config.CONFIG_PGTABLE_LEVELS], ['y', '4']);
    assert.equal(f.slabs['kmalloc-128']!.object_size, 128);
    const plain = parseProbeOutput(runProbe(['dash'], PROBE_SCRIPT, buildFakeHost(alinux)), 'm1');
    assert.deepEqual(plain.env, { container: null, sys_read_only: false, lockdown: null });
  });
});

describe('facts probe script against fake hosts', function () {
  this.timeout(20_000);
  for (const sh of shells) {
    describe(sh.name, () => {
      it('Alinux 5.10: params with modes, Anolis stats, grubby, slabs with aliases, boot unit', () => {
        const out = probe(alinux, sh);
        assert.ok(!out.includes('MUST NOT BE READ'), 'kfence/objects was read');
        const f = parseProbeOutput(out, 'web-1', new Date('2026-01-01T00:00:00Z'));
        const h = forShell(alinux, sh);
        assert.deepEqual(f.kernel, { release: h.release, arch: h.arch ?? 'x86_64', page_size: 4096 });
        assert.deepEqual(f.os, { id: 'alinux', version_id: '3', pretty_name: 'Alibaba Cloud Linux 3 (Soaring Falcon)' });
        assert.deepEqual(f.memory, { total_kb: 65536000, available_kb: 60000000 });
        assert.deepEqual(f.numa, { online: [0, 1], possible: [0, 1, 2, 3] });
        assert.equal(f.boot_id, BOOT_ID);
        assert.equal(f.uptime_s, 12345.67);
        assert.match(f.cmdline, /kfence\.sample_interval=100$/);
        assert.equal(f.grubby.available, true);
        assert.equal(f.grubby.default_kernel, '/boot/vmlinuz-5.10.134-17.al8.x86_64');
        assert.equal(f.grubby.entries.length, 2);
        assert.deepEqual(f.grubby.entries[1], { index: 1, kernel: '/boot/vmlinuz-5.10.134-16.al8.x86_64', args: 'ro quiet', title: 'Alibaba Cloud Linux (5.10.134-16.al8.x86_64) 3 (Soaring Falcon)' });
        assert.equal(f.kfence.present, true);
        assert.deepEqual(f.kfence.params.sample_interval, { value: '100', mode: '0600' });
        assert.deepEqual(f.kfence.params.pool_mode, { value: 'node', mode: '0600' });
        assert.deepEqual(f.kfence.params.skip_covered_thresh, { value: '75', mode: '0644' });
        assert.equal(f.kfence.params.check_on_panic?.value, null, 'unreadable param is null');
        assert.equal(f.kfence.debugfs_mounted, true);
        assert.equal(f.kfence.stats?.format, 'anolis');
        assert.equal(f.kfence.stats?.enabled, true);
        assert.equal(f.kfence.stats?.counters['total bugs'], 2);
        assert.equal(f.kfence.stats?.counters['currently slab allocated'], 42);
        assert.equal(Object.keys(f.kfence.stats?.counters ?? {}).length, 8, 'node table not read as counters');
        assert.deepEqual(f.kfence.config, { CONFIG_KFENCE: 'y', CONFIG_KFENCE_NUM_OBJECTS: '255', CONFIG_KFENCE_SAMPLE_INTERVAL: '0', CONFIG_KFENCE_STRESS_TEST_FAULTS: '0' });
        assert.deepEqual(f.slabs[':0000064'], { control: 'kfence_enable', value: '1', objects: '1536 N0=768 N1=768' });
        assert.deepEqual(f.slabs['kmalloc-64'], { control: 'kfence_enable', value: '1', objects: '1536 N0=768 N1=768', alias_of: ':0000064' });
        assert.equal(f.slabs.pool_workqueue?.alias_of, ':0000064');
        assert.deepEqual(f.slabs['kmalloc-128'], { control: 'kfence_enable', value: '0', objects: '256 N0=128 N1=128' });
        assert.deepEqual(f.slabs.dentry, { control: 'kfence_enable', value: null, objects: '99 N0=99' });
        assert.deepEqual(f.slabs.nocontrol, { control: null, value: null, objects: '7 N0=7' });
        assert.equal(f.boot_unit.installed, true);
        const env = buildFakeHost(alinux);
        assert.equal(f.boot_unit.hash, sha256File(join(env.root, BOOT_SCRIPT_PATH)));
        assert.equal(f.privileged, true);
        assert.equal(f.collected_at, '2026-01-01T00:00:00.000Z');
      });

      it('upstream 6.12 without grubby, debugfs or /boot config; skip_kfence; unprivileged', () => {
        const f = parseProbeOutput(probe(upstream, sh), 'deb-1');
        assert.equal(f.kernel.release, forShell(upstream, sh).release);
        assert.equal(f.os.id, 'debian');
        assert.equal(f.memory.available_kb, 500000, 'MemFree when MemAvailable is absent');
        assert.equal(f.boot_id, BOOT_ID, 'boot id normalised to lower case');
        assert.deepEqual(f.grubby, { available: false, default_kernel: null, entries: [] });
        assert.equal(f.kfence.debugfs_mounted, false);
        assert.equal(f.kfence.stats, null);
        assert.deepEqual(f.kfence.config, {});
        assert.deepEqual(f.kfence.params.deferrable, { value: 'N', mode: '0444' });
        assert.deepEqual(f.slabs['task_struct'], { control: 'skip_kfence', value: '1', objects: '300 N0=300' });
        assert.deepEqual(f.boot_unit, { installed: false, hash: null });
        assert.equal(f.privileged, sh.busyboxTools === true); // busybox's own `id` reports the real uid 0
      });

      it('no KFENCE at all, and upstream stats', () => {
        const h: FakeHost = { ...upstream, files: { ...upstream.files, '/proc/mounts': 'debugfs /sys/kernel/debug debugfs rw 0 0\n', '/sys/kernel/debug/kfence/stats': UPSTREAM_STATS } };
        const f = parseProbeOutput(probe(h, sh), 'u');
        assert.equal(f.kfence.stats?.format, 'upstream');
        assert.equal(f.kfence.stats?.counters['skipped allocations (covered)'], 77);
        assert.equal(Object.keys(f.kfence.stats?.counters ?? {}).length, 8);
        const none: FakeHost = { ...upstream, files: Object.fromEntries(Object.entries(upstream.files).filter(([k]) => !k.startsWith('/sys/module'))) };
        const g = parseProbeOutput(probe(none, sh), 'n');
        assert.equal(g.kfence.present, false);
        assert.deepEqual(g.kfence.params, {});
      });

      it('binary garbage and huge files stay bounded and parse', () => {
        const junk = randomBytes(2 << 20).toString('latin1').replace(/\n/g, 'x'); // 2 MiB, no newline
        const h: FakeHost = {
          ...upstream,
          files: {
            ...upstream.files,
            '/sys/module/kfence/parameters/sample_interval': junk,
            '/proc/mounts': 'debugfs /sys/kernel/debug debugfs rw 0 0\n',
            '/sys/kernel/debug/kfence/stats': `enabled: 1\n${junk}\n`,
          },
        };
        const out = probe(h, sh);
        assert.ok(out.length < 64 * 1024, `probe output is ${out.length} bytes`);
        const f = parseProbeOutput(out, 'g');
        assert.ok((f.kfence.params.sample_interval?.value ?? '').length <= 4096);
        assert.equal(f.kfence.stats?.enabled, true);
      });
    });
  }
});
