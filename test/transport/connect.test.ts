import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { EventBus, type KfleetEvent } from '../../src/events.js';
import { isTransportError } from '../../src/transport/errors.js';
import { openSession } from '../../src/transport/index.js';
import { connVars, tempDir, testContext, writeKey } from './fixtures/helpers.js';
import { makeKey, startFixtureServer, type FixtureServer } from './fixtures/ssh-server.js';

async function code(p: Promise<unknown>): Promise<{ code: string; message: string; hint: string }> {
  try {
    await p;
  } catch (e) {
    assert.ok(isTransportError(e), String(e));
    assert.ok(e.hint);
    return { code: e.code, message: e.message, hint: e.hint ?? '' };
  }
  assert.fail('expected an error');
}

describe('transport connect: host keys, auth, retries', function () {
  this.timeout(20_000);
  const user = makeKey();
  let srv: FixtureServer;
  before(async () => {
    srv = await startFixtureServer({ users: { alice: [user] } });
  });
  after(() => srv.stop());

  it('strict: an unknown host is refused with the ssh-keyscan hint, and no command runs', async () => {
    const dir = tempDir();
    const n = srv.commands.length;
    const e = await code(openSession(connVars({ port: srv.port, privateKeyFile: writeKey(dir, user) }), await testContext(dir)));
    assert.equal(e.code, 'HOST_KEY_UNKNOWN');
    assert.match(e.hint, new RegExp(`ssh-keyscan -p ${srv.port} 127\\.0\\.0\\.1 >> `));
    assert.match(e.hint, /accept-new/);
    assert.equal(srv.commands.length, n);
  });

  it('a changed key always fails, whatever the policy, with the ssh-keygen -R hint', async () => {
    const dir = tempDir();
    const other = makeKey();
    writeFileSync(join(dir, 'known_hosts'), `[127.0.0.1]:${srv.port} ${other.type} ${other.blob.toString('base64')}\n`);
    for (const policy of ['strict', 'accept-new'] as const) {
      const e = await code(openSession(connVars({ port: srv.port, privateKeyFile: writeKey(dir, user) }), await testContext(dir, { hostKeyPolicy: policy })));
      assert.equal(e.code, 'HOST_KEY_CHANGED');
      assert.match(e.hint, /ssh-keygen -R '?\[127\.0\.0\.1\]:\d+/);
    }
  });

  it('accept-new records a hashed line that strict then accepts', async () => {
    const dir = tempDir();
    const events: KfleetEvent[] = [];
    const bus = new EventBus();
    bus.on((e) => events.push(e));
    const key = writeKey(dir, user);
    const s = await openSession(connVars({ port: srv.port, privateKeyFile: key }), await testContext(dir, { hostKeyPolicy: 'accept-new', events: bus }));
    assert.equal((await s.exec('echo hi')).stdout, 'hi\n');
    await s.close();
    const text = readFileSync(join(dir, 'known_hosts'), 'utf8');
    assert.match(text, /^\|1\|[^|]+\|[^ ]+ ssh-ed25519 [A-Za-z0-9+/=]+\n$/);
    assert.ok(events.some((e) => e.type === 'warning' && /recorded the ssh-ed25519 host key/.test(e.message)));
    // strict now accepts it
    const s2 = await openSession(connVars({ port: srv.port, privateKeyFile: key }), await testContext(dir));
    await s2.close();
  });

  it('accept-new then changed key on the same address fails HOST_KEY_CHANGED', async () => {
    const dir = tempDir();
    const key = writeKey(dir, user);
    const a = await startFixtureServer({ users: { alice: [user] } });
    const port = a.port;
    const s = await openSession(connVars({ port, privateKeyFile: key }), await testContext(dir, { hostKeyPolicy: 'accept-new' }));
    await s.close();
    await a.stop();
    // same port, new host key (a re-installed host, or a man in the middle)
    const b = await startFixtureServerOn(port, user);
    const e = await code(openSession(connVars({ port, privateKeyFile: key }), await testContext(dir, { hostKeyPolicy: 'accept-new' })));
    assert.equal(e.code, 'HOST_KEY_CHANGED');
    assert.equal(readFileSync(join(dir, 'known_hosts'), 'utf8').trim().split('\n').length, 1, 'nothing appended');
    await b.stop();
  });

  it('an unreadable known_hosts fails closed', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'known_hosts')); // EISDIR: unreadable even for root
    const e = await code(openSession(connVars({ port: srv.port, privateKeyFile: writeKey(dir, user) }), await testContext(dir, { hostKeyPolicy: 'accept-new' })));
    assert.equal(e.code, 'CONFIG_INVALID');
    assert.match(e.message, /cannot read known_hosts/);
  });

  it('@revoked fails even when the key is also listed plainly', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'known_hosts'), `${srv.knownHostsLine()}\n@revoked * ${srv.hostKey.type} ${srv.hostKey.blob.toString('base64')}\n`);
    const e = await code(openSession(connVars({ port: srv.port, privateKeyFile: writeKey(dir, user) }), await testContext(dir)));
    assert.equal(e.code, 'HOST_KEY_REVOKED');
  });

  it('@cert-authority only: a clear unsupported error', async () => {
    const dir = tempDir();
    const ca = makeKey();
    writeFileSync(join(dir, 'known_hosts'), `@cert-authority *.example,127.0.0.1,[127.0.0.1]:* ${ca.type} ${ca.blob.toString('base64')}\n`);
    const e = await code(openSession(connVars({ port: srv.port, privateKeyFile: writeKey(dir, user) }), await testContext(dir)));
    assert.equal(e.code, 'HOST_KEY_UNSUPPORTED');
    assert.match(e.message, /@cert-authority/);
  });

  it('policy off connects to anything, loudly', async () => {
    const dir = tempDir();
    const bus = new EventBus();
    const events: KfleetEvent[] = [];
    bus.on((e) => events.push(e));
    const s = await openSession(connVars({ port: srv.port, privateKeyFile: writeKey(dir, user) }), await testContext(dir, { hostKeyPolicy: 'off', events: bus }));
    await s.close();
    assert.ok(events.some((e) => e.type === 'warning' && /host key checking is OFF/.test(e.message)));
  });

  it('auth failure is AUTH_FAILED and is not retried', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'known_hosts'), `${srv.knownHostsLine()}\n`);
    const before = srv.connections;
    const e = await code(openSession(connVars({ port: srv.port, privateKeyFile: writeKey(dir, makeKey()) }),
      await testContext(dir, { retry: { attempts: 3, baseMs: 10, maxMs: 20 } })));
    assert.equal(e.code, 'AUTH_FAILED');
    assert.equal(srv.connections - before, 1);
  });

  it('a host key error is not retried either', async () => {
    const dir = tempDir();
    const before = srv.connections;
    await code(openSession(connVars({ port: srv.port, privateKeyFile: writeKey(dir, user) }), await testContext(dir, { retry: { attempts: 3, baseMs: 10, maxMs: 20 } })));
    assert.equal(srv.connections - before, 1);
  });

  it('transient connect failures are retried with backoff, then UNREACHABLE', async () => {
    let accepted = 0;
    const flaky = createServer((sock) => {
      accepted++;
      sock.destroy(); // closes before the handshake
    });
    await new Promise<void>((r) => flaky.listen(0, '127.0.0.1', r));
    const port = (flaky.address() as AddressInfo).port;
    const dir = tempDir();
    const e = await code(openSession(connVars({ port, privateKeyFile: writeKey(dir, user) }), await testContext(dir, { retry: { attempts: 3, baseMs: 10, maxMs: 20 } })));
    assert.equal(e.code, 'UNREACHABLE');
    assert.equal(accepted, 3);
    flaky.close();
    // a refused port: ECONNREFUSED, also transient
    const e2 = await code(openSession(connVars({ port, privateKeyFile: writeKey(dir, user) }), await testContext(dir, { retry: { attempts: 2, baseMs: 10, maxMs: 20 } })));
    assert.equal(e2.code, 'UNREACHABLE');
    assert.match(e2.message, /ECONNREFUSED/);
  });

  it('a silent peer times out before the handshake: UNREACHABLE', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as AddressInfo).port;
    const dir = tempDir();
    const t0 = Date.now();
    const e = await code(openSession(connVars({ port, privateKeyFile: writeKey(dir, user), connectTimeoutS: 0.5 }), await testContext(dir)));
    assert.equal(e.code, 'UNREACHABLE');
    assert.match(e.message, /timed out/);
    assert.ok(Date.now() - t0 < 3000);
    silent.close();
  });

  it('encrypted keys: passphrase from the environment; a wrong one fails before any network I/O', async () => {
    const enc = makeKey({ passphrase: 'correct horse' });
    const dir = tempDir();
    const keyPath = writeKey(dir, enc, 'id_enc');
    const s3 = await startFixtureServer({ users: { alice: [enc] } });
    writeFileSync(join(dir, 'known_hosts'), `${s3.knownHostsLine()}\n`);
    const ok = await openSession(connVars({ port: s3.port, privateKeyFile: keyPath }), await testContext(dir, { env: { KFLEET_KEY_PASSPHRASE: 'correct horse' } }));
    assert.equal((await ok.exec('echo ok')).stdout, 'ok\n');
    await ok.close();
    const before = s3.connections;
    const bad = await code(openSession(connVars({ port: s3.port, privateKeyFile: keyPath }), await testContext(dir, { env: { KFLEET_KEY_PASSPHRASE: 'wrong' } })));
    assert.equal(bad.code, 'KEY_INVALID');
    assert.match(bad.message, /wrong passphrase/);
    assert.ok(!JSON.stringify(bad).includes('correct horse'));
    const none = await code(openSession(connVars({ port: s3.port, privateKeyFile: keyPath }), await testContext(dir)));
    assert.equal(none.code, 'KEY_INVALID');
    assert.equal(s3.connections, before, 'no connection attempted');
    // a prompt callback is asked once per key per run, even for concurrent sessions
    let asked = 0;
    const ctx = await testContext(dir, { prompt: async () => (asked++, 'correct horse') });
    const ss = await Promise.all([1, 2, 3].map(() => openSession(connVars({ port: s3.port, privateKeyFile: keyPath }), ctx)));
    assert.equal(asked, 1);
    await Promise.all(ss.map((x) => x.close()));
    await s3.stop();
  });

  it('a missing explicit key file is KEY_INVALID', async () => {
    const dir = tempDir();
    const e = await code(openSession(connVars({ port: srv.port, privateKeyFile: join(dir, 'nope') }), await testContext(dir)));
    assert.equal(e.code, 'KEY_INVALID');
  });

  it('authenticates through ssh-agent first, without any key file', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'known_hosts'), `${srv.knownHostsLine()}\n`);
    const sock = join(dir, 'agent.sock');
    const agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 50 && !existsSync(sock); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', ['-q', writeKey(dir, user, 'agent_key')], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      const s = await openSession(connVars({ port: srv.port }), await testContext(dir, { agentSocket: sock }));
      assert.equal((await s.exec('echo via-agent')).stdout, 'via-agent\n');
      await s.close();
      // no agent and no key: a clear AUTH_FAILED before connecting
      const e = await code(openSession(connVars({ port: srv.port }), await testContext(dir)));
      assert.equal(e.code, 'AUTH_FAILED');
      assert.match(e.message, /no credentials/);
    } finally {
      agent.kill();
    }
  });

  it('pins the known key type first in serverHostKey', async () => {
    // a server with both an ecdsa and an ed25519 key presents the one we pinned
    const { prepareHostKeyCheck } = await import('../../src/transport/host-key.js');
    const dir = tempDir();
    const k = makeKey();
    writeFileSync(join(dir, 'kh'), `[h]:2222 ecdsa-sha2-nistp256 ${k.blob.toString('base64')}\nh ssh-rsa ${k.blob.toString('base64')}\n`);
    const c = await prepareHostKeyCheck({ host: 'x', address: 'h', port: 2222, policy: 'strict', files: [join(dir, 'kh')] });
    assert.equal(c.algorithms[0], 'ecdsa-sha2-nistp256');
    assert.equal(c.algorithms.filter((a) => a === 'ecdsa-sha2-nistp256').length, 1);
    assert.ok(c.algorithms.includes('ssh-ed25519'));
  });
});

/** A fixture server with a fresh host key on a fixed port (simulates a re-keyed host). */
async function startFixtureServerOn(port: number, user: ReturnType<typeof makeKey>): Promise<FixtureServer> {
  const { Server } = await import('../../src/transport/ssh2.js');
  const hk = makeKey();
  const server = new Server({ hostKeys: [hk.private] }, (c) => {
    c.on('error', () => undefined);
    c.on('authentication', (ctx) => (ctx.method === 'publickey' && ctx.key.data.equals(user.blob) ? ctx.accept() : ctx.reject()));
  });
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    port,
    hostKey: hk,
    connections: 0,
    commands: [],
    maxConcurrentExecs: 0,
    knownHostsLine: () => '',
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}
