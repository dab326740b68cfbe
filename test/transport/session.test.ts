import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSession } from '../../src/transport/index.js';
import { isTransportError } from '../../src/transport/errors.js';
import type { HostSession } from '../../src/transport/types.js';
import { connVars, tempDir, testContext, writeKey } from './fixtures/helpers.js';
import { makeKey, startFixtureServer, type FixtureServer } from './fixtures/ssh-server.js';
import { startTcpProxy } from './fixtures/tcp-proxy.js';

async function rejectsWith(p: Promise<unknown>, code: string): Promise<Error> {
  try {
    await p;
  } catch (e) {
    assert.ok(isTransportError(e), `expected a TransportError, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    assert.ok(e.hint, 'every transport error carries a hint');
    assert.equal(e.location?.host, 'h1');
    return e;
  }
  assert.fail(`expected ${code}`);
}

describe('transport session (in-process ssh2 server)', function () {
  this.timeout(20_000);
  const user = makeKey();
  let srv: FixtureServer;
  let dir: string;
  let s: HostSession;

  before(async () => {
    srv = await startFixtureServer({
      users: { alice: [user] },
      handlers: [
        {
          match: /^no-exit-status$/,
          run: (_c, ch) => {
            ch.write('partial');
            ch.end(); // closes without an exit-status message
          },
        },
      ],
    });
    dir = tempDir();
    writeFileSync(join(dir, 'known_hosts'), `${srv.knownHostsLine()}\n`);
    const key = writeKey(dir, user);
    const ctx = await testContext(dir, { channelsPerHost: 3 });
    s = await openSession(connVars({ port: srv.port, privateKeyFile: key }), ctx);
  });
  after(async () => {
    await s?.close();
    await srv?.stop();
  });

  it('returns stdout, stderr and exit codes separately', async () => {
    const r = await s.exec('echo out; echo err >&2; exit 7');
    assert.equal(r.code, 7);
    assert.equal(r.signal, null);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
    assert.ok(r.ms >= 0);
  });

  it('reports a signal with the SIG prefix and no exit code', async () => {
    const r = await s.exec('kill -TERM $$');
    assert.equal(r.code, null);
    assert.equal(r.signal, 'SIGTERM');
  });

  it('feeds stdin and sends EOF', async () => {
    const r = await s.exec('cat; echo done', { stdin: 'hello\nworld\n' });
    assert.equal(r.stdout, 'hello\nworld\ndone\n');
    const empty = await s.exec('cat; echo eof');
    assert.equal(empty.stdout, 'eof\n'); // EOF sent even without stdin: cat does not hang
  });

  it('keeps a missing exit status as null, never 0', async () => {
    const r = await s.exec('no-exit-status');
    assert.equal(r.code, null);
    assert.equal(r.signal, null);
    assert.equal(r.stdout, 'partial');
  });

  it('times out a never-ending command: signals, closes, TIMEOUT', async () => {
    const t0 = Date.now();
    await rejectsWith(s.exec('sleep 30', { timeoutMs: 300 }), 'TIMEOUT');
    assert.ok(Date.now() - t0 < 3000);
    assert.ok(s.alive, 'the connection survives a command timeout');
    assert.equal((await s.exec('echo still')).stdout, 'still\n');
  });

  it('caps output: kills the command and throws OUTPUT_TOO_LARGE', async () => {
    await rejectsWith(s.exec('yes', { maxOutputBytes: 100_000 }), 'OUTPUT_TOO_LARGE');
    assert.equal((await s.exec('echo ok')).stdout, 'ok\n');
  });

  it('drains large stderr and stdout at once without stalling', async () => {
    const r = await s.exec('head -c 600000 /dev/zero | tr "\\0" a; head -c 600000 /dev/zero | tr "\\0" b >&2');
    assert.equal(r.stdout.length, 600_000);
    assert.equal(r.stderr.length, 600_000);
  });

  it('keeps at most channelsPerHost channels open on the host', async () => {
    const fresh = await startFixtureServer({ users: { alice: [user] } });
    const d = tempDir();
    writeFileSync(join(d, 'known_hosts'), `${fresh.knownHostsLine()}\n`);
    const s2 = await openSession(connVars({ port: fresh.port, privateKeyFile: writeKey(d, user) }), await testContext(d, { channelsPerHost: 3 }));
    const rs = await Promise.all(Array.from({ length: 10 }, (_, i) => s2.exec(`sleep 0.1; echo ${i}`)));
    assert.deepEqual(rs.map((r) => r.stdout), Array.from({ length: 10 }, (_, i) => `${i}\n`));
    assert.equal(fresh.maxConcurrentExecs, 3);
    await s2.close();
    await fresh.stop();
  });

  it('fire() resolves once the channel is open, without waiting for the command', async () => {
    const marker = join(dir, 'fired');
    const t0 = Date.now();
    await s.fire(`sleep 0.5; echo x > ${marker}`);
    assert.ok(Date.now() - t0 < 450, 'fire did not wait');
    const r = await s.exec(`sleep 0.8; cat ${marker}`);
    assert.equal(r.stdout, 'x\n');
  });
});

describe('transport session: connection faults', function () {
  this.timeout(20_000);
  const user = makeKey();

  async function sessionThroughProxy(opts: { keepaliveIntervalMs?: number; keepaliveCountMax?: number } = {}) {
    const srv = await startFixtureServer({ users: { alice: [user] } });
    const proxy = await startTcpProxy(srv.port);
    const dir = tempDir();
    writeFileSync(join(dir, 'known_hosts'), `${srv.knownHostsLine(`[127.0.0.1]:${proxy.port}`)}\n`);
    const ctx = await testContext(dir, opts);
    const s = await openSession(connVars({ port: proxy.port, privateKeyFile: writeKey(dir, user) }), ctx);
    return { srv, proxy, s };
  }

  it('a reset mid-command is CONNECTION_LOST, and later execs fail the same way', async () => {
    const { srv, proxy, s } = await sessionThroughProxy();
    const p = s.exec('sleep 5');
    setTimeout(() => proxy.reset(), 200);
    await rejectsWith(p, 'CONNECTION_LOST');
    assert.equal(s.alive, false);
    await rejectsWith(s.exec('true'), 'CONNECTION_LOST');
    await s.close();
    await proxy.stop();
    await srv.stop();
  });

  it('keepalive detects a frozen peer (no FIN, no RST)', async () => {
    const { srv, proxy, s } = await sessionThroughProxy({ keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    const p = s.exec('sleep 30', { timeoutMs: 15_000 });
    setTimeout(() => proxy.freeze(), 100);
    const t0 = Date.now();
    const e = await rejectsWith(p, 'CONNECTION_LOST');
    assert.match(e.message, /keepalive/i);
    assert.ok(Date.now() - t0 < 5000, 'noticed within a few keepalive intervals');
    await s.close();
    await proxy.stop();
    await srv.stop();
  });
});
