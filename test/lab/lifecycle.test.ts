// Reboots, boot units, faults and KFENCE bugs, all through the real OpenSSH client.

import assert from 'node:assert/strict';
import { startLab, BUG_KINDS, type Lab } from '../../src/lab/index.js';
import { ssh, sleep, bootWith } from './support.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('lab: reboots and boot units', function () {
  this.timeout(30000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ hosts: 2, profile: 'alinux-5.10.134-17', downtimeMs: 400 });
  });
  after(async () => lab?.stop());

  for (const cmd of ['reboot', 'shutdown -r now', 'systemctl reboot']) {
    it(`\`${cmd}\` drops the host, refuses connections during the downtime, then returns with a new boot id`, async () => {
      const h = lab.hosts[0]!;
      const before = await ssh(lab, h, 'cat /proc/sys/kernel/random/boot_id');
      assert.match(before.stdout.trim(), UUID);
      const count = h.bootCount;
      const r = await ssh(lab, h, cmd);
      assert.ok(r.status === 0 || r.status === 255, `status ${r.status}`);
      await sleep(120);
      const down = await ssh(lab, h, 'true');
      assert.equal(down.status, 255);
      assert.match(down.stderr, /Connection refused/);
      await h.waitUp();
      const after = await ssh(lab, h, 'cat /proc/sys/kernel/random/boot_id');
      assert.equal(after.status, 0);
      assert.match(after.stdout.trim(), UUID);
      assert.notEqual(after.stdout, before.stdout);
      assert.equal(h.bootCount, count + 1);
      const boots = h.audit.filter((e) => e.kind === 'boot');
      assert.equal(boots[boots.length - 1]!.kind === 'boot' && boots[boots.length - 1]!.bootId, after.stdout.trim());
    });
  }

  it('grubby args survive reboots and reach /proc/cmdline and the kernel', async () => {
    const h = lab.hosts[1]!;
    await bootWith(lab, h, 'kfence.sample_interval=100');
    const r = await ssh(lab, h, 'cat /proc/cmdline; cat /sys/module/kfence/parameters/sample_interval; grubby --info=/boot/vmlinuz-$(uname -r) | grep ^args');
    assert.match(r.stdout, /kfence\.sample_interval=100/);
    assert.match(r.stdout, /\n100\n/);
    await h.reboot();
    assert.match(h.cmdline(), /kfence\.sample_interval=100/);
    await bootWith(lab, h, '', 'kfence.sample_interval');
    assert.doesNotMatch(h.cmdline(), /kfence\.sample_interval/);
    assert.equal((await h.readFile('/sys/module/kfence/parameters/sample_interval')).trim(), '0');
  });

  it('runs enabled boot units as root at every boot (the kfleet-kfence.service pattern)', async () => {
    const h = lab.hosts[1]!;
    const install = [
      'mkdir -p /etc/kfleet',
      "printf '%s\\n' 'for f in /sys/kernel/slab/*/kfence_enable; do echo 0 > \"$f\"; done' 'echo 1 > /sys/kernel/slab/kmalloc-64/kfence_enable' > /etc/kfleet/kfence-boot.sh",
      "printf '[Unit]\\nDescription=kfleet KFENCE boot settings\\n\\n[Service]\\nType=oneshot\\nExecStart=/bin/sh /etc/kfleet/kfence-boot.sh\\n\\n[Install]\\nWantedBy=multi-user.target\\n' > /etc/systemd/system/kfleet-kfence.service",
      'systemctl daemon-reload',
      'systemctl enable kfleet-kfence.service',
    ].join(' && ');
    const r = await ssh(lab, h, install);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Created symlink \/etc\/systemd\/system\/multi-user.target.wants\/kfleet-kfence.service/);
    assert.equal((await h.readFile('/sys/kernel/slab/kmalloc-128/kfence_enable')).trim(), '1');
    await h.reboot();
    const after = await ssh(lab, h, 'cat /sys/kernel/slab/kmalloc-128/kfence_enable /sys/kernel/slab/kmalloc-64/kfence_enable; systemctl is-enabled kfleet-kfence.service; systemctl is-system-running');
    assert.equal(after.stdout, '0\n1\nenabled\nrunning\n');
    const dis = await ssh(lab, h, 'systemctl disable kfleet-kfence.service');
    assert.match(dis.stderr, /Removed/);
    await h.reboot();
    assert.equal((await h.readFile('/sys/kernel/slab/kmalloc-128/kfence_enable')).trim(), '1');
  });

  it('a script on stdin runs with `sh -s` and `bash`', async () => {
    const h = lab.hosts[0]!;
    for (const cmd of ['sh -s', 'bash', 'sh']) {
      const r = await ssh(lab, h, cmd, { stdin: 'read -r x < /proc/sys/kernel/osrelease\necho "rel=$x"\nexit 4\n' });
      assert.equal(r.status, 4, cmd);
      assert.equal(r.stdout, 'rel=5.10.134-17.al8.x86_64\n');
    }
    const cat = await ssh(lab, h, 'cat > /tmp/piped && cat /tmp/piped', { stdin: 'hello\n' });
    assert.equal(cat.stdout, 'hello\n');
  });

  it('a background `nohup sh -c ... &` reboot returns at once and the host reboots', async () => {
    const h = lab.hosts[0]!;
    const count = h.bootCount;
    const t0 = Date.now();
    const r = await ssh(lab, h, "nohup sh -c 'sleep 0.3; systemctl reboot || shutdown -r now || reboot' >/dev/null 2>&1 &");
    assert.equal(r.status, 0);
    assert.ok(Date.now() - t0 < 1500);
    await sleep(450);
    await h.waitUp();
    assert.equal(h.bootCount, count + 1);
  });

  it('a killed client stops the command (the channel close aborts the interpreter)', async () => {
    const h = lab.hosts[0]!;
    const r = await ssh(lab, h, 'sleep 1; echo late > /tmp/late-marker', { timeoutMs: 300 });
    assert.equal(r.signal, 'SIGKILL');
    await sleep(1300);
    const check = await ssh(lab, h, 'test -e /tmp/late-marker; echo $?');
    assert.equal(check.stdout, '1\n');
  });

  it('exit signals reach the client (kill -9 $$)', async () => {
    const r = await ssh(lab, lab.hosts[0]!, 'echo before; kill -9 $$; echo after');
    assert.equal(r.status, 255);
    assert.doesNotMatch(r.stdout, /after/);
  });
});

describe('lab: faults', function () {
  this.timeout(30000);
  let lab: Lab;
  beforeEach(async () => {
    lab = await startLab({ hosts: 1, profile: 'alinux-5.10.134-17', downtimeMs: 200 });
  });
  afterEach(async () => lab?.stop());

  it('no-return: the host stays down after a reboot until the fault is cleared', async () => {
    const h = lab.hosts[0]!;
    h.fault('no-return');
    await h.reboot();
    await sleep(500);
    const r = await ssh(lab, h, 'true');
    assert.match(r.stderr, /Connection refused/);
    const back = h.waitUp();
    h.fault('none');
    await back;
    assert.equal((await ssh(lab, h, 'true')).status, 0);
  });

  it('slow-return: the downtime is the fault\'s', async () => {
    const h = lab.hosts[0]!;
    h.fault('slow-return', { ms: 1200 });
    const t0 = Date.now();
    await h.reboot();
    assert.ok(Date.now() - t0 >= 1150, `${Date.now() - t0} ms`);
  });

  it('new-host-key: after the reboot the client refuses the changed key', async () => {
    const h = lab.hosts[0]!;
    h.fault('new-host-key');
    await h.reboot();
    const r = await ssh(lab, h, 'true');
    assert.equal(r.status, 255);
    assert.match(r.stderr, /HOST IDENTIFICATION HAS CHANGED|Host key verification failed/);
    await lab.writeKnownHosts();
    assert.equal((await ssh(lab, h, 'true')).status, 0);
  });

  it('drop-connections: new connections are reset before the banner', async () => {
    const h = lab.hosts[0]!;
    h.fault('drop-connections');
    const r = await ssh(lab, h, 'true');
    assert.equal(r.status, 255);
    assert.equal(r.stdout, '');
    h.fault('none');
    assert.equal((await ssh(lab, h, 'true')).status, 0);
  });

  it('cut-mid-command: the connection dies with no exit status', async () => {
    const h = lab.hosts[0]!;
    h.fault('cut-mid-command', { ms: 100 });
    const r = await ssh(lab, h, 'sleep 1; echo done');
    assert.equal(r.status, 255);
    assert.doesNotMatch(r.stdout, /done/);
  });

  it('slow-command: every command takes at least the delay', async () => {
    const h = lab.hosts[0]!;
    h.fault('slow-command', { ms: 700 });
    const t0 = Date.now();
    const r = await ssh(lab, h, 'echo ok');
    assert.equal(r.stdout, 'ok\n');
    assert.ok(Date.now() - t0 >= 700);
  });

  it('boot-loop: fault=panic with a bug that recurs every boot panics on every boot', async () => {
    const h = lab.hosts[0]!;
    await bootWith(lab, h, 'kfence.sample_interval=100 kfence.fault=panic');
    const count = h.bootCount;
    h.fault('boot-loop', { ms: 150, bug: 'use-after-free' });
    h.inject('use-after-free');
    await sleep(1800);
    assert.ok(h.bootCount >= count + 3, `boots: ${h.bootCount - count}`);
    const panics = h.audit.filter((e) => e.kind === 'boot' && e.reason === 'panic').length;
    assert.ok(panics >= 3);
    h.fault('none');
  });
});

describe('lab: KFENCE bugs on demand', function () {
  this.timeout(30000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ hosts: 2, mix: { 'alinux-5.10.134-17': 1, 'upstream-6.12': 1 }, downtimeMs: 200 });
    for (const h of lab.hosts) await bootWith(lab, h, 'kfence.sample_interval=100');
  });
  after(async () => lab?.stop());

  const headers: Record<string, RegExp> = {
    'use-after-free': /BUG: KFENCE: use-after-free read in \S+\+0x[0-9a-f]+\/0x[0-9a-f]+\n\[ *\d+\.\d{6}\] \n\[ *\d+\.\d{6}\] Use-after-free read at 0x[0-9a-f]{16} \(in kfence-#\d+\):/,
    'out-of-bounds-read': /BUG: KFENCE: out-of-bounds read in \S+\n.*\n.*Out-of-bounds read at 0x[0-9a-f]{16} \(\d+B right of kfence-#\d+\):/,
    'out-of-bounds-write': /BUG: KFENCE: out-of-bounds write in \S+\n.*\n.*Out-of-bounds write at 0x[0-9a-f]{16} \(\d+B right of kfence-#\d+\):/,
    'invalid-free': /BUG: KFENCE: invalid free in \S+\n.*\n.*Invalid free of 0x[0-9a-f]{16} \(in kfence-#\d+\):/,
    'memory-corruption': /BUG: KFENCE: memory corruption in \S+\n.*\n.*Corrupted memory at 0x[0-9a-f]{16} \[ ! \. \. \. \. \. \. \] \(in kfence-#\d+\):/,
    'invalid-access': /BUG: KFENCE: invalid read in \S+\n.*\n.*Invalid read at 0x[0-9a-f]{16}:/,
  };

  for (const host of [0, 1]) {
    for (const bug of BUG_KINDS) {
      it(`${bug} on host ${host}: a verbatim report in dmesg and total bugs + 1`, async () => {
        const h = lab.hosts[host]!;
        const bugs = (s: string) => Number(/total bugs\s*:\s*(\d+)/.exec(s)?.[1]);
        const before = bugs((await ssh(lab, h, 'cat /sys/kernel/debug/kfence/stats')).stdout);
        assert.equal(h.inject(bug), 'reported');
        const r = await ssh(lab, h, 'dmesg; cat /sys/kernel/debug/kfence/stats');
        assert.match(r.stdout, headers[bug]!);
        assert.match(r.stdout, /\] ={66}\n/);
        const report = r.stdout.slice(r.stdout.lastIndexOf('BUG: KFENCE:'));
        if (h.profile.name === 'upstream-6.12') {
          // As Debian's 6.12 prints it (real-kernel tier): UID, 19 taint columns and the Debian
          // version, the taint names, hashed pointers, "(N s ago)" stamps.
          assert.match(report, /CPU: \d+ UID: 0 PID: \d+ Comm: \S+ (Not tainted|Tainted: G    B {13}) 6\.12\.117\+deb12-amd64 #1  Debian 6\.12\.117-1~deb12u1\n/);
          if (/Tainted: G/.test(report)) assert.match(report, /\] Tainted: \[B\]=BAD_PAGE\n/);
          if (bug !== 'invalid-access') {
            assert.match(report, /kfence-#\d+: 0x00000000[0-9a-f]{8}-0x00000000[0-9a-f]{8}, size=\d+, cache=\S+\n/);
            assert.match(report, /allocated by task \d+ on cpu \d+ at \d+\.\d{6}s \(\d+\.\d{6}s ago\):\n/);
          }
        } else {
          assert.match(report, /CPU: \d+ PID: \d+ Comm: \S+ (Not tainted|Tainted: G    B {12}) /);
          assert.doesNotMatch(report, / ago\)/);
        }
        if (bug.startsWith('out-of-bounds')) {
          // report.c measures a right-side distance from the object's start: the byte after a
          // 57-byte object is "57B right" (the real kernel: "32B right" for a 32-byte object).
          const dist = Number(/\((\d+)B right of/.exec(report)?.[1]);
          assert.equal(dist, Number(/size=(\d+)/.exec(report)?.[1]));
        }
        assert.equal(bugs(r.stdout), before + 1);
      });
    }
  }

  it('a disabled KFENCE detects nothing', async () => {
    const h = lab.hosts[0]!;
    await ssh(lab, h, 'echo 0 > /sys/module/kfence/parameters/sample_interval');
    assert.equal(h.inject('use-after-free'), 'undetected');
    await ssh(lab, h, 'echo 100 > /sys/module/kfence/parameters/sample_interval');
  });

  it('fault=panic: the report is followed by a panic and a reboot; the report stays in the previous boot\'s journal', async () => {
    const h = lab.hosts[0]!;
    await ssh(lab, h, 'echo panic > /sys/module/kfence/parameters/fault');
    const count = h.bootCount;
    assert.equal(h.inject('out-of-bounds-write'), 'panic');
    await sleep(50);
    await h.waitUp();
    assert.equal(h.bootCount, count + 1);
    const r = await ssh(lab, h, 'journalctl -k -b -1 --no-pager | grep -c "BUG: KFENCE"; journalctl -k -b -1 | grep -o "Kernel panic - not syncing: kfence.fault=panic set"');
    assert.match(r.stdout, /^[1-9]\d*\nKernel panic - not syncing: kfence.fault=panic set\n$/);
  });
});
