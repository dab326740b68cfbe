// One run over a Debian/GRUB lab host (no grubby: kfleet's drop-in and update-grub) and an
// Alinux/grubby lab host: both converge at boot, each through its own bootloader; status names
// both mechanisms; rollback restores both. Witness: the lab hosts' files, boot records and
// /proc/cmdline, read directly.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { events, kfleet, labPlaybook, tmp } from '../e2e/support.js';

const DROPIN = '/etc/default/grub.d/kfleet-kfence.cfg';

describe('lab: a Debian/GRUB host and an Alinux/grubby host in one run', function () {
  this.timeout(120_000);
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = tmp('grub');
    lab = await startLab({ mix: { 'debian-12-grub': 1, 'alinux-5.10.134-17': 1 }, stateDir: dir, downtimeMs: 150 });
  });
  after(async () => lab?.stop());

  it('the probe sees grub-debian without grubby on one, grubby on the other', async () => {
    const r = await kfleet(['status', '-i', lab.inventoryPath, '--json']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const hosts = (JSON.parse(r.stdout) as { hosts: Array<{ host: string; bootloader: string }> }).hosts;
    assert.deepEqual(hosts.map((h) => h.bootloader).sort(), ['grub-debian', 'grubby']);
    const deb = lab.hosts.find((h) => h.profile.name === 'debian-12-grub')!;
    assert.notEqual((await deb.run('command -v grubby')).exitCode, 0, 'no grubby on Debian');
    assert.equal((await deb.run('command -v update-grub')).exitCode, 0);
  });

  it('apply: boot converges both, each through its bootloader; a second apply plans nothing; rollback restores both', async () => {
    const deb = lab.hosts.find((h) => h.profile.name === 'debian-12-grub')!;
    const al = lab.hosts.find((h) => h.profile.name.startsWith('alinux'))!;
    const file = labPlaybook(dir, 'demo.yml', 'all', { kfence: { mode: 'sampling', sample_interval: 100, apply: 'boot' } });
    const common = ['-i', lab.inventoryPath, '--state-dir', join(dir, 'state'), '--yes', '--json'];
    // plan: one run plans both, each for its own mechanism, and changes nothing.
    const p = await kfleet(['plan', file, '-i', lab.inventoryPath]);
    assert.equal(p.code, 0, p.stdout.slice(-3000) + p.stderr);
    assert.match(p.stdout, new RegExp(`bootloader: Debian GRUB: write ${DROPIN.replace(/\./g, '\\.')}, then update-grub`), p.stdout);
    assert.match(p.stdout, /grub entry "Debian GNU\/Linux, with Linux [^"]+ \(recovery mode\)": \+kfence\.sample_interval=100/, p.stdout);
    assert.match(p.stdout, new RegExp(`grubby /boot/vmlinuz-${al.profile.release.replace(/[.+]/g, '\\$&')}: \\+kfence\\.sample_interval=100`), p.stdout);
    assert.match(p.stdout, /2 hosts: 2 to change \(2 need a reboot\)/, p.stdout);
    assert.equal((await deb.run(`test -e ${DROPIN}`)).exitCode, 1, 'plan wrote no drop-in');
    assert.doesNotMatch(await al.readFile('/proc/cmdline'), /kfence\.sample_interval/);
    const a = await kfleet(['apply', file, ...common]);
    assert.equal(a.code, 0, a.stdout.slice(-3000) + a.stderr);
    const ev = events(a.stdout);
    assert.deepEqual(ev.filter((e) => e.type === 'host.result').map((e) => e['status']), ['rebooted', 'rebooted']);
    // (host.plan comes again after each reboot: the check that the host is converged.)
    assert.deepEqual([...new Map(ev.filter((e) => e.type === 'host.plan').map((e) => [e['host'], e['bootloader']]))].sort(), [[al.name, 'grubby'], [deb.name, 'grub-debian']].sort());
    // Debian: the drop-in, every generated entry, the booted command line.
    assert.match(await deb.readFile(DROPIN), /^GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX kfence\.sample_interval=100"$/m);
    const linux = (await deb.readFile('/boot/grub/grub.cfg')).split('\n').filter((l) => /^\s*linux\s/.test(l));
    assert.equal(linux.length, 5, 'simple entry + normal and recovery for two kernels');
    for (const l of linux) assert.match(l, /kfence\.sample_interval=100/);
    assert.match(await deb.readFile('/proc/cmdline'), /^BOOT_IMAGE=\/boot\/vmlinuz-\S+ root=UUID=\S+ ro console=ttyS0,115200 no_timer_check tsc=unstable kfence\.sample_interval=100 quiet$/m);
    assert.equal((await deb.readFile('/sys/module/kfence/parameters/sample_interval')).trim(), '100');
    // Alinux: every BLS entry (--update-kernel=ALL), and the booted command line.
    const entries = (await al.run('cat /boot/loader/entries/*.conf')).stdout.split('\n').filter((l) => l.startsWith('options '));
    assert.equal(entries.length, 2);
    for (const l of entries) assert.match(l, /kfence\.sample_interval=100/);
    assert.match(await al.readFile('/proc/cmdline'), /kfence\.sample_interval=100/);

    const again = await kfleet(['apply', file, ...common]);
    assert.equal(again.code, 0);
    assert.deepEqual(events(again.stdout).filter((e) => e.type === 'host.plan').map((e) => e['changes']), [0, 0]);

    const run = String(ev.find((e) => e.type === 'run.start')?.['run']);
    const rb = await kfleet(['rollback', run, '-i', lab.inventoryPath, '--state-dir', join(dir, 'state'), '--json']);
    assert.equal(rb.code, 0, rb.stdout.slice(-3000) + rb.stderr);
    assert.equal((await deb.run(`test -e ${DROPIN}`)).exitCode, 1, 'the drop-in is gone');
    for (const l of (await deb.readFile('/boot/grub/grub.cfg')).split('\n').filter((x) => /^\s*linux\s/.test(x))) assert.doesNotMatch(l, /kfence\./);
    assert.doesNotMatch(await deb.readFile('/proc/cmdline'), /kfence\./);
    for (const l of (await al.run('cat /boot/loader/entries/*.conf')).stdout.split('\n').filter((x) => x.startsWith('options '))) assert.doesNotMatch(l, /kfence\.sample_interval/);
  });
});
