// The lab's boot path for trial boots: GRUB's environment block and one-shot entry, grubby's entry
// copies, kernel.panic / panic=, boot faults (panic, hang, sshd never starting, network down), a
// Type=simple dead-man unit conditioned on the command line, and kdump's state.

import assert from 'node:assert/strict';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { ssh, sleep } from './support.js';

const KSEC = 20; // ms per kernel second in this lab

async function run(h: LabHost, script: string): Promise<string> {
  const r = await h.run(script);
  assert.equal(r.exitCode, 0, `${script}: ${r.stderr}`);
  return r.stdout;
}

/** Wait until the host booted `count` times and is up (or, with `down`, stayed down that long). */
async function waitBoots(h: LabHost, count: number, ms = 8000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (h.bootCount >= count && h.state === 'up') return;
    await sleep(20);
  }
  throw new Error(`${h.name}: ${h.bootCount} boots, ${h.state}, wanted ${count}`);
}

const boots = (h: LabHost) => h.audit.filter((e) => e.kind === 'boot');

/** A trial entry on a grubby host: a copy of the default with `args`, booted once by grub2-reboot. */
async function grubbyTrial(h: LabHost, args: string): Promise<string> {
  await run(h, `grubby --add-kernel=/boot/vmlinuz-$(uname -r) --copy-default --title='kfleet trial' --args='${args}'`);
  const info = await run(h, `grubby --info=ALL`);
  const id = /title="kfleet trial"\nid="([^"]+)"/.exec(info)?.[1];
  assert.ok(id, info);
  await run(h, `grub2-reboot ${id}`);
  return id;
}

describe('lab: trial boots (GRUB one-shot, panic=, boot faults, dead man, kdump)', function () {
  this.timeout(60000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ mix: { 'alinux-5.10.134-17': 6, 'debian-12-grub': 1 }, downtimeMs: 100 });
    for (const h of lab.hosts) h.kernelSecondMs = KSEC;
  });
  after(async () => lab?.stop());

  it('grub2-editenv keeps a 1024-byte block; set, list and unset round-trip', async () => {
    const h = lab.host('lab-001');
    await run(h, 'grub2-editenv - set next_entry=x kfleet=1');
    assert.equal((await h.readFile('/boot/grub2/grubenv')).length, 1024);
    assert.match(await run(h, 'grub2-editenv /boot/grub2/grubenv list'), /^saved_entry=.*\nboot_success=0\nnext_entry=x\nkfleet=1\n$/);
    await run(h, 'grub2-editenv - unset next_entry kfleet');
    assert.doesNotMatch(await run(h, 'grub2-editenv - list'), /next_entry|kfleet/);
  });

  it('grubby copies the default entry with new args; grub2-reboot boots it once, then the default returns; --remove-kernel by index removes only it', async () => {
    const h = lab.host('lab-001');
    const defaultArgs = h.cmdline();
    const id = await grubbyTrial(h, 'kfence.sample_interval=100 kfleet.trial=t1');
    assert.match(id, /~custom$/);
    assert.doesNotMatch(await run(h, 'grubby --info=DEFAULT'), /kfleet/); // the default is untouched
    const n = h.bootCount;
    await h.reboot();
    assert.match(h.cmdline(), /kfence\.sample_interval=100 kfleet\.trial=t1$/);
    assert.equal((boots(h).at(-1) as { oneShot?: boolean }).oneShot, true);
    assert.match(await run(h, 'grub2-editenv - list'), /^next_entry=$/m); // GRUB cleared it at boot
    assert.equal((await run(h, 'cat /sys/module/kfence/parameters/sample_interval')).trim(), '100');
    await h.reboot();
    assert.equal(h.cmdline(), defaultArgs);
    assert.equal(h.bootCount, n + 2);
    const info = await run(h, 'grubby --info=ALL');
    const index = /index=(\d+)\n(?:.*\n){4}title="kfleet trial"/.exec(info)?.[1];
    assert.ok(index, info);
    await run(h, `grubby --remove-kernel=${index}`);
    assert.doesNotMatch(await run(h, 'grubby --info=ALL'), /kfleet trial/);
    assert.match(await run(h, 'grubby --info=ALL'), /index=1/); // both installed kernels' entries remain
  });

  it('Debian GRUB: an entry in /boot/grub/custom.cfg is booted once by grub-reboot, then GRUB_DEFAULT again', async () => {
    const h = lab.host('lab-007');
    await run(h, 'cat /etc/hostname'); // a host's disk exists from its first session on, and with it GRUB's choice
    await h.reboot();
    const defaultArgs = h.cmdline();
    const linux = defaultArgs.replace(/^BOOT_IMAGE=/, '');
    await run(h, `printf '%s\\n' "menuentry 'kfleet trial' --id kfleet-trial {" "  linux ${linux} kfleet.trial=d1" '}' > /boot/grub/custom.cfg`);
    await run(h, 'grub-reboot kfleet-trial');
    assert.match(await run(h, 'grub-editenv - list'), /^next_entry=kfleet-trial$/m);
    await h.reboot();
    assert.equal(h.cmdline(), `${defaultArgs} kfleet.trial=d1`);
    await h.reboot();
    assert.equal(h.cmdline(), defaultArgs);
  });

  it('kernel.panic: 10 from sysctl.d, writable with sysctl -w; at 0 a panic leaves the host down until power-cycled', async () => {
    const h = lab.host('lab-002');
    assert.equal(await run(h, 'sysctl -n kernel.panic'), '10\n');
    assert.equal(await run(h, 'cat /proc/sys/kernel/panic'), '10\n');
    await run(h, 'sysctl -w kernel.panic=0');
    assert.equal(await run(h, 'cat /proc/sys/kernel/panic'), '0\n');
    const n = h.bootCount;
    await run(h, 'echo c > /proc/sysrq-trigger');
    await sleep(40 * KSEC + 500);
    assert.equal(h.state, 'down');
    assert.equal(h.hung, true);
    assert.equal(h.bootCount, n);
    await h.powerCycle();
    assert.equal(h.state, 'up');
    assert.equal(h.bootCount, n + 1);
    assert.equal(await run(h, 'sysctl -n kernel.panic'), '10\n'); // sysctl.d again at this boot
  });

  it('boot-panic (a recurring bug, fault=panic) on the trial boot: without panic= the host hangs; with panic=N it resets into the default', async () => {
    const h = lab.host('lab-003');
    h.fault('boot-panic', { bug: 'use-after-free', cmdline: 'kfleet.trial' });
    const defaultArgs = h.cmdline();
    await grubbyTrial(h, 'kfence.sample_interval=100 kfence.fault=panic kfleet.trial=p1');
    const n = h.bootCount;
    h.requestReboot();
    await sleep(30 * KSEC + 300);
    assert.equal(h.state, 'down');
    assert.equal(h.hung, true); // CONFIG_PANIC_TIMEOUT=0 and no sysctl.d before init
    assert.match(boots(h).at(-1)!.cmdline, /kfleet\.trial=p1/);
    await h.powerCycle();
    assert.equal(h.cmdline(), defaultArgs); // the one-shot was used up by the panicked boot
    assert.ok((await run(h, 'ls /sys/fs/pstore')).includes('dmesg-'));
    await run(h, `grubby --remove-kernel='TITLE=kfleet trial'`);
    await grubbyTrial(h, 'kfence.sample_interval=100 kfence.fault=panic panic=2 kfleet.trial=p2');
    const m = h.bootCount;
    h.requestReboot();
    await waitBoots(h, m + 2);
    assert.equal(h.cmdline(), defaultArgs);
    assert.deepEqual(boots(h).slice(-2).map((b) => [b.reason, /kfleet\.trial=p2/.test(b.cmdline)]), [['reboot', true], ['panic', false]]);
    assert.ok(n < m);
    h.fault('none');
  });

  it('boot-hang: hung for good without softlockup_panic; with softlockup_panic=1 panic=1 the host comes back on the default', async () => {
    const h = lab.host('lab-004');
    h.fault('boot-hang', { cmdline: 'kfleet.trial' });
    const defaultArgs = h.cmdline();
    await grubbyTrial(h, 'kfleet.trial=h1');
    h.requestReboot();
    await sleep(60 * KSEC + 300);
    assert.equal(h.state, 'down');
    assert.equal(h.hung, true);
    await h.powerCycle();
    await run(h, `grubby --remove-kernel='TITLE=kfleet trial'`);
    await grubbyTrial(h, 'softlockup_panic=1 panic=1 kfleet.trial=h2');
    const m = h.bootCount;
    h.requestReboot();
    await waitBoots(h, m + 2);
    assert.equal(h.cmdline(), defaultArgs);
    h.fault('none');
  });

  it('no-sshd refuses connections and network-down times them out, while a Type=simple dead man conditioned on the trial token reboots into the default', async () => {
    for (const [name, fault] of [['lab-005', 'no-sshd'], ['lab-006', 'network-down']] as const) {
      const h = lab.host(name);
      h.fault(fault, { cmdline: 'kfleet.trial' });
      const defaultArgs = h.cmdline();
      const unit = '[Unit]\nDescription=kfleet trial dead man\nConditionKernelCommandLine=kfleet.trial=n1\n\n[Service]\nType=simple\nExecStart=/bin/sh -c "sleep 3; systemctl reboot"\n\n[Install]\nWantedBy=multi-user.target\n';
      await run(h, `printf '%s' '${unit}' > /etc/systemd/system/kfleet-trial.service && systemctl enable kfleet-trial.service`);
      assert.equal((await h.run('systemctl is-active kfleet-trial.service')).stdout, 'inactive\n'); // not at this boot: the condition is false
      await grubbyTrial(h, 'kfleet.trial=n1');
      const m = h.bootCount;
      h.requestReboot();
      await waitBoots(h, m + 1);
      assert.match(h.cmdline(), /kfleet\.trial=n1/);
      assert.equal((await h.run('systemctl is-active kfleet-trial.service')).stdout, 'active\n');
      const r = await ssh(lab, h, 'true', { extra: ['-o', 'ConnectTimeout=1'], timeoutMs: 6000 });
      assert.equal(r.status, 255);
      assert.match(r.stderr, fault === 'no-sshd' ? /Connection refused/ : /timed out|Connection closed|reset/i);
      await waitBoots(h, m + 2);
      assert.equal(h.cmdline(), defaultArgs);
      assert.equal((await ssh(lab, h, 'cat /proc/cmdline')).status, 0);
      // Disarmed: stopped in the trial boot, the dead man does not fire.
      await grubbyTrial(h, 'kfleet.trial=n1');
      h.fault('none');
      h.requestReboot();
      await waitBoots(h, m + 3);
      await run(h, 'systemctl stop kfleet-trial.service');
      assert.equal((await h.run('systemctl is-active kfleet-trial.service')).stdout, 'inactive\n');
      await sleep(3500);
      assert.equal(h.bootCount, m + 3);
    }
  });

  it('kdump: crashkernel= reserves memory; kdump.service loads the crash kernel; a panic then leaves a vmcore-dmesg.txt', async () => {
    const h = lab.host('lab-002');
    assert.equal(await run(h, 'cat /sys/kernel/kexec_crash_size'), `${256 * 1024 * 1024}\n`);
    assert.equal(await run(h, 'cat /sys/kernel/kexec_crash_loaded'), '0\n');
    assert.equal((await h.run('kdumpctl status')).exitCode, 8);
    await run(h, 'systemctl enable kdump.service');
    await h.reboot();
    assert.equal(await run(h, 'cat /sys/kernel/kexec_crash_loaded'), '1\n');
    assert.match((await h.run('kdumpctl status')).stderr, /Kdump is operational/);
    assert.equal((await h.run('systemctl is-active kdump.service')).stdout, 'active\n');
    await run(h, 'echo c > /proc/sysrq-trigger');
    await waitBoots(h, h.bootCount + 1);
    assert.match(await run(h, 'cat /var/crash/*/vmcore-dmesg.txt'), /sysrq triggered crash|Kernel panic/);
    const deb = lab.host('lab-007');
    assert.equal(await run(deb, 'cat /sys/kernel/kexec_crash_size'), '0\n');
    assert.notEqual((await deb.run('command -v kdumpctl')).exitCode, 0); // kdump-tools is not installed on the Debian image
    // A grubby host without crashkernel=: kdumpctl cannot load a crash kernel.
    const bare = lab.host('lab-003');
    await run(bare, `grubby --update-kernel=ALL --remove-args=crashkernel`);
    await bare.reboot();
    assert.equal(await run(bare, 'cat /sys/kernel/kexec_crash_size'), '0\n');
    assert.match((await bare.run('kdumpctl start')).stderr, /No memory reserved for crash kernel/);
  });
});
