// Users, sudo (NOPASSWD and password), pty sessions, the audit trail, and Ansible's raw module.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { ssh } from './support.js';

const SI = '/sys/module/kfence/parameters/sample_interval';

describe('lab: the sre user and sudo without a password', function () {
  this.timeout(30000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ hosts: 1, profile: 'alinux-5.10.134-17', become: 'sudo-nopasswd' });
  });
  after(async () => lab?.stop());

  it('sre cannot write /sys, /proc, /etc or /boot, nor read debugfs or 0600 parameters', async () => {
    const h = lab.hosts[0]!;
    const r = await ssh(lab, h, `id -un; echo 100 > ${SI}; echo "rc=$?"; echo x > /etc/x; echo "rc=$?"; echo b > /proc/sysrq-trigger; echo "rc=$?"; grubby --update-kernel=ALL --args=a=b; echo "rc=$?"; cat /sys/kernel/debug/kfence/stats; echo "rc=$?"; cat ${SI}; echo "rc=$?"`, { user: 'sre' });
    assert.equal(r.stdout, 'sre\nrc=1\nrc=1\nrc=1\nrc=1\nrc=1\nrc=1\n');
    assert.match(r.stderr, new RegExp(`^bash: line 1: ${SI}: Permission denied\nbash: line 1: /etc/x: Permission denied\nbash: line 1: /proc/sysrq-trigger: Permission denied\n`));
    assert.match(r.stderr, /cat: \/sys\/kernel\/debug\/kfence\/stats: Permission denied\n/);
    assert.equal(h.bootCount, 1);
  });

  it('sudo -n elevates (sh -c and tee forms)', async () => {
    const h = lab.hosts[0]!;
    const r = await ssh(lab, h, `sudo -n sh -c 'echo 100 > ${SI}'; echo 200 | sudo -n tee ${SI} >/dev/null; sudo -n cat ${SI}; sudo -n id -u; id -u`, { user: 'sre' });
    assert.equal(r.stdout, '200\n0\n1000\n');
    const bad = await ssh(lab, h, `echo -5 | sudo tee ${SI}`, { user: 'sre' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr, `tee: ${SI}: Invalid argument\n`);
  });
});

describe('lab: sudo with a password', function () {
  this.timeout(30000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ hosts: 1, profile: 'upstream-6.12', become: 'sudo-password', sudoPassword: 'lab-secret-42' });
  });
  after(async () => lab?.stop());

  it('sudo -n fails with "a password is required"', async () => {
    const r = await ssh(lab, lab.hosts[0]!, 'sudo -n id -u', { user: 'sre' });
    assert.equal(r.status, 1);
    assert.equal(r.stderr, 'sudo: a password is required\n');
  });

  it('sudo -S -p MARKER prompts on stderr before reading the password (Ansible/kfleet style)', async () => {
    const h = lab.hosts[0]!;
    const result = await new Promise<{ status: number | null; out: string; err: string }>((resolve) => {
      const child = spawn('ssh', ['-i', lab.clientKeyPath, '-o', `UserKnownHostsFile=${lab.knownHostsPath}`, '-o', 'BatchMode=yes', '-p', String(h.port), 'sre@127.0.0.1', `sudo -S -p '[kfleet-sudo-marker]' sh -c 'echo 100 > ${SI}; cat ${SI}; id -u'`]);
      let out = '';
      let err = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => {
        err += d;
        if (err.includes('[kfleet-sudo-marker]') && !child.stdin.writableEnded) child.stdin.end('lab-secret-42\n');
      });
      child.on('close', (status) => resolve({ status, out, err }));
    });
    assert.equal(result.status, 0, result.err);
    assert.equal(result.out, '100\n0\n');
    assert.ok(!JSON.stringify(h.audit).includes('lab-secret-42'), 'the password is not in the audit trail');
  });

  it('a wrong password is refused three times', async () => {
    const r = await ssh(lab, lab.hosts[0]!, 'sudo -S -p P: id -u', { user: 'sre', stdin: 'no\nnope\nnever\n' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /Sorry, try again\.[\s\S]*sudo: 3 incorrect password attempts/);
  });

  it('without -S and without a tty, sudo asks for a terminal', async () => {
    const r = await ssh(lab, lab.hosts[0]!, 'sudo id -u', { user: 'sre' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /a terminal is required/);
  });
});

describe('lab: pty sessions and the audit trail', function () {
  this.timeout(30000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ hosts: 2, profile: 'alinux-5.10.134-16' });
  });
  after(async () => lab?.stop());

  it('ssh -tt: output with \\r\\n, stderr merged, exit status kept', async () => {
    const r = await ssh(lab, lab.hosts[0]!, 'echo out; echo err >&2; exit 7', { tty: true });
    assert.equal(r.status, 7);
    assert.equal(r.stdout, 'out\r\nerr\r\n');
  });

  it('records every write attempt in order, with errno; reads are not recorded', async () => {
    const h = lab.hosts[1]!;
    const start = h.audit.length;
    await ssh(lab, h, `cat ${SI}; echo 0 > ${SI}; echo 5 > /sys/module/kfence/parameters/num_objects; echo 100 > ${SI}; echo 5 > /sys/module/kfence/parameters/num_objects; echo 1 > /sys/kernel/slab/kmalloc-64/kfence_enable; cat /sys/kernel/debug/kfence/stats >/dev/null`);
    const writes = h.audit.slice(start).map((e) => (e.kind === 'write' ? `${e.path}=${e.value.trim()}:${e.ok ? 'ok' : e.errno}` : 'boot'));
    assert.deepEqual(writes, [
      `${SI}=0:ok`,
      '/sys/module/kfence/parameters/num_objects=5:ok',
      `${SI}=100:ok`,
      '/sys/module/kfence/parameters/num_objects=5:EBUSY',
      '/sys/kernel/slab/:0000064/kfence_enable=1:ok',
    ]);
    const none = h.audit.length;
    await ssh(lab, h, 'cat /proc/cmdline /sys/kernel/slab/kmalloc-64/objects; grubby --info=ALL >/dev/null; ls /sys/kernel/slab >/dev/null');
    assert.equal(h.audit.length, none, 'a read-only probe writes nothing');
  });

  it('ansible -m raw reaches 2 lab hosts (it asks for a pty with -tt)', async () => {
    const cfg = join(lab.stateDir, 'ansible.cfg');
    await writeFile(cfg, '[defaults]\nhost_key_checking = True\ninterpreter_python = auto_silent\n');
    const r = await new Promise<{ status: number | null; out: string }>((resolve, reject) => {
      const child = spawn('ansible', ['-i', lab.inventoryPath, 'lab', '-m', 'raw', '-a', 'uname -r; cat /proc/sys/kernel/random/boot_id'], { env: { ...process.env, ANSIBLE_CONFIG: cfg, ANSIBLE_NOCOLOR: '1' } });
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', (status) => resolve({ status, out }));
    });
    assert.equal(r.status, 0, r.out);
    for (const h of lab.hosts) assert.match(r.out, new RegExp(`${h.name} \\| CHANGED \\| rc=0 >>\\s+5\\.10\\.134-16\\.al8\\.x86_64\\s+${h.bootId}`));
  });
});
