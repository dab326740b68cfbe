// The transport against a real OpenSSH sshd (needs openssh-server; the tests run as root here).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectFacts } from '../../src/facts/collect.js';
import { isTransportError } from '../../src/transport/errors.js';
import { openSession } from '../../src/transport/index.js';
import type { HostSession } from '../../src/transport/types.js';
import { connVars, tempDir, testContext, writeKey } from './fixtures/helpers.js';
import { startRealSshd, type RealSshd } from './fixtures/real-sshd.js';
import { makeKey } from './fixtures/ssh-server.js';

describe('transport against a real OpenSSH sshd', function () {
  this.timeout(30_000);
  let sshd: RealSshd;
  let dir: string;
  let s: HostSession;

  before(async () => {
    sshd = await startRealSshd();
    dir = tempDir();
    writeFileSync(join(dir, 'known_hosts'), sshd.keyscan); // ssh-keyscan output is what SREs paste
    s = await openSession(connVars({ port: sshd.port, user: sshd.user, privateKeyFile: sshd.clientKeyPath }), await testContext(dir));
  });
  after(async () => {
    await s?.close();
    await sshd?.stop();
  });

  it('exit codes, stdout, stderr, stdin', async () => {
    const r = await s.exec('echo out; echo err-line >&2; exit 42');
    assert.equal(r.code, 42);
    assert.equal(r.stdout, 'out\n');
    assert.match(r.stderr, /err-line\n$/); // (the login shell's rc files may add noise before it)
    assert.equal((await s.exec('cat', { stdin: 'abc' })).stdout, 'abc');
  });

  it('a command killed by a signal reports it', async () => {
    const r = await s.exec('sh -c \'kill -TERM $$\'; exit $?');
    assert.equal(r.code, 143);
    const r2 = await s.exec('exec sh -c \'kill -KILL $$\'');
    assert.equal(r2.code, null);
    assert.equal(r2.signal, 'SIGKILL');
  });

  it('a timed-out command is killed on the host', async () => {
    const tag = `kfleet-timeout-${process.pid}-${Date.now()}`;
    await assert.rejects(s.exec(`exec sleep 31 # ${tag}`, { timeoutMs: 500 }), (e: unknown) => isTransportError(e, 'TIMEOUT'));
    // sshd delivers the signal (killpg) when it reads the request: poll, since a loaded machine can
    // take longer than a fixed pause; the command itself would run for 31 s.
    let left = 'unchecked';
    for (const until = Date.now() + 15_000; Date.now() < until; await new Promise((r) => setTimeout(r, 200))) {
      left = execFileSync('sh', ['-c', `pgrep -f '[s]leep 31 # ${tag}' || true`], { encoding: 'utf8' }).trim(); // [s]: not matching this sh
      if (left === '') break;
    }
    assert.equal(left, '', 'the remote command still runs 15 s after the timeout');
    assert.equal((await s.exec('echo alive')).stdout, 'alive\n');
  });

  it('20 concurrent commands on one connection stay under MaxSessions 10', async function () {
    // Each channel is a login shell forked by sshd: on a loaded 2-CPU machine a wave of ten took
    // more than the context's 10 s command timeout (CI, load ~10). The cap is the point, not speed.
    this.timeout(180_000);
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => s.exec(`sleep 0.2; echo ${i}`, { timeoutMs: 120_000 })));
    assert.deepEqual(rs.map((r) => r.stdout.trim()), Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('collects real facts from this machine in one round trip', async () => {
    const f = await collectFacts(s, 'localhost');
    assert.equal(f.kernel.release, execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim());
    assert.ok(f.memory.total_kb > 0);
    assert.match(f.boot_id, /^[0-9a-f-]{36}$/);
    assert.equal(f.privileged, true);
    assert.ok(Object.keys(f.slabs).length > 0 || f.kernel.release !== '', 'slabs read when SLUB sysfs exists');
  });

  it('strict refuses the real server when known_hosts lacks it; a wrong key fails auth', async () => {
    const d2 = tempDir();
    await assert.rejects(openSession(connVars({ port: sshd.port, user: sshd.user, privateKeyFile: sshd.clientKeyPath }), await testContext(d2)),
      (e: unknown) => isTransportError(e, 'HOST_KEY_UNKNOWN'));
    await assert.rejects(openSession(connVars({ port: sshd.port, user: sshd.user, privateKeyFile: writeKey(d2, makeKey()) }), await testContext(dir)),
      (e: unknown) => isTransportError(e, 'AUTH_FAILED'));
  });
});
