// The probe on a Debian host with GRUB and no grubby, under dash, bash and busybox ash: it finds
// update-grub, reads GRUB_CMDLINE_LINUX(_DEFAULT) and GRUB_DEFAULT by sourcing /etc/default/grub
// and grub.d/*.cfg WITHOUT kfleet's drop-in, the drop-in itself, and the generated entries.
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseProbeOutput } from '../../src/facts/parse.js';
import { PROBE_SCRIPT } from '../../src/facts/probe.js';
import { renderDropin } from '../../src/bootloader/grub-dropin.js';
import { buildFakeHost, runProbe, type FakeHost } from '../facts/fixtures/fake-host.js';
import { debianGrubCfg, K1, K2 } from './fixtures.js';

const dropin = renderDropin(['kfence.sample_interval=100'])!;
const host: FakeHost = {
  release: K1,
  files: {
    '/usr/lib/os-release': 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nID=debian\nVERSION_ID="12"\n',
    '/proc/meminfo': 'MemTotal:        1000000 kB\nMemAvailable:     800000 kB\n',
    '/proc/sys/kernel/random/boot_id': '0f4b6d3e-7a43-4c5e-9a1e-2b9f3c1d5e6f\n',
    '/proc/uptime': '5.01 1.00\n',
    '/proc/cmdline': `BOOT_IMAGE=/boot/vmlinuz-${K1} root=UUID=x ro console=ttyS0,115200 kfence.sample_interval=100 quiet\n`,
    '/etc/default/grub': 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=5\nGRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="console=ttyS0,115200"\n',
    '/etc/default/grub.d/10-site.cfg': 'GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX net.ifnames=0"\n',
    '/etc/default/grub.d/kfleet-kfence.cfg': dropin,
    '/boot/grub/grub.cfg': debianGrubCfg([K2, K1], 'console=ttyS0,115200 net.ifnames=0 kfence.sample_interval=100'),
    '/boot/grub/grubenv': '# GRUB Environment Block\n' + '#'.repeat(900) + '\n',
  },
};

const shells = [['dash'], ['bash'], ...(existsSync('/bin/busybox') ? [['/bin/busybox', 'sh']] : [])];

describe('the probe on a Debian GRUB host (no grubby)', () => {
  for (const sh of shells) {
    it(`reads the GRUB settings without the drop-in, the drop-in, and every entry (${sh.join(' ')})`, () => {
      const env = buildFakeHost(host);
      writeFileSync(join(env.bin, 'update-grub'), '#!/bin/sh\nexit 0\n', { mode: 0o755 });
      const f = parseProbeOutput(runProbe(sh, PROBE_SCRIPT, env), 'deb0');
      assert.equal(f.grubby.available, false);
      assert.equal(f.boot?.mechanism, 'grub-debian');
      assert.equal(f.boot?.grub?.update, 'update-grub');
      assert.equal(f.boot?.grub?.cmdline_linux, 'console=ttyS0,115200 net.ifnames=0', 'other drop-ins count, kfleet\'s does not');
      assert.equal(f.boot?.grub?.cmdline_linux_default, 'quiet');
      assert.equal(f.boot?.grub?.default, '0');
      assert.equal(f.boot?.grub?.dropin, dropin.replace(/\n$/, ''));
      assert.equal(f.boot?.default_kernel, `/boot/vmlinuz-${K2}`);
      assert.equal(f.boot?.entries.length, 5);
      for (const e of f.boot!.entries) assert.match(e.args, /kfence\.sample_interval=100/);
    });
  }

  it('without a generator, or without grub.cfg, the host has no mechanism', () => {
    const env = buildFakeHost(host);
    const f = parseProbeOutput(runProbe(['dash'], PROBE_SCRIPT, env, '/nonexistent-tools:/usr/bin:/bin'), 'deb0');
    assert.equal(f.boot?.mechanism, null);
    assert.ok(f.boot?.seen.includes('/etc/default/grub'));
  });
});
