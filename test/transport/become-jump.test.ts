import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventBus, type KfleetEvent } from '../../src/events.js';
import { BecomeFilter, wrapBecome } from '../../src/transport/become.js';
import { isTransportError } from '../../src/transport/errors.js';
import { openSession } from '../../src/transport/index.js';
import { connVars, tempDir, testContext, writeKey } from './fixtures/helpers.js';
import { makeKey, startFixtureServer, type FixtureServer } from './fixtures/ssh-server.js';

const SECRET = 'pa$$ w0rd\'"`x';

describe('become via sudo', function () {
  this.timeout(20_000);
  const user = makeKey();
  let nopass: FixtureServer;
  let withpass: FixtureServer;
  let argvLog: string;
  let dir: string;

  before(async () => {
    dir = tempDir();
    argvLog = join(dir, 'sudo-argv.log');
    writeFileSync(argvLog, '');
    nopass = await startFixtureServer({ users: { sre: [user] }, env: { FAKE_SUDO_ARGV_LOG: argvLog } });
    withpass = await startFixtureServer({ users: { sre: [user] }, env: { FAKE_SUDO_PASSWORD: SECRET, FAKE_SUDO_ARGV_LOG: argvLog } });
    writeFileSync(join(dir, 'known_hosts'), `${nopass.knownHostsLine()}\n${withpass.knownHostsLine()}\n`);
  });
  after(async () => {
    await nopass.stop();
    await withpass.stop();
  });

  const vars = (srv: FixtureServer, over: Parameters<typeof connVars>[0] = {}) =>
    connVars({ port: srv.port, user: 'sre', become: true, privateKeyFile: writeKey(dir, user), ...over });

  it('sudo -n: runs the command as the become user, output and exit code intact', async () => {
    const s = await openSession(vars(nopass), await testContext(dir));
    const r = await s.exec('echo "as=$FAKE_SUDO_USER"; echo e >&2; exit 3', { become: true });
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'as=root\n', 'e\n']);
    const plain = await s.exec('echo "as=${FAKE_SUDO_USER:-none}"');
    assert.equal(plain.stdout, 'as=none\n', 'become only when asked');
    const stdin = await s.exec('cat', { become: true, stdin: 'in\n' });
    assert.equal(stdin.stdout, 'in\n');
    const other = await openSession(vars(nopass, { becomeUser: 'postgres' }), await testContext(dir));
    assert.equal((await other.exec('echo $FAKE_SUDO_USER', { become: true })).stdout, 'postgres\n');
    await other.close();
    await s.close();
  });

  it('sudo -n when a password is required: BECOME_FAILED with a hint', async () => {
    const s = await openSession(vars(withpass), await testContext(dir));
    await assert.rejects(s.exec('id', { become: true }), (e: unknown) => {
      assert.ok(isTransportError(e, 'BECOME_FAILED'), String(e));
      assert.match(e.message, /requires a password/);
      assert.match(e.hint ?? '', /KFLEET_BECOME_PASSWORD/);
      return true;
    });
    await s.close();
  });

  it('sudo -S: the password is fed on the marker and appears nowhere', async () => {
    const bus = new EventBus();
    const events: KfleetEvent[] = [];
    bus.on((e) => events.push(e));
    const debug: string[] = [];
    const ctx = await testContext(dir, { env: { KFLEET_BECOME_PASSWORD: SECRET }, events: bus, debug: (_h, m) => debug.push(m) });
    const s = await openSession(vars(withpass), ctx);
    const r = await s.exec('echo "as=$FAKE_SUDO_USER"; cat; echo err >&2', { become: true, stdin: 'payload\n' });
    assert.equal(r.code, 0);
    assert.equal(r.stdout, 'as=root\npayload\n');
    assert.equal(r.stderr, 'err\n', 'prompt marker and ok marker stripped from stderr');
    // fire with become waits for sudo to accept
    await s.fire('true', { become: true });
    await s.close();
    const everything = JSON.stringify({ r, events, debug }) + readFileSync(argvLog, 'utf8');
    assert.ok(!everything.includes(SECRET), 'password leaked');
    assert.match(readFileSync(argvLog, 'utf8'), /-S -p kfleet-sudo-prompt-[0-9a-f]+:/);
  });

  it('a wrong sudo password: BECOME_FAILED, the password in no error', async () => {
    const wrong = `${SECRET}-wrong`;
    const s = await openSession(vars(withpass, { becomePassword: wrong }), await testContext(dir));
    const err = await s.exec('id', { become: true }).then(() => assert.fail('expected failure'), (e: unknown) => e);
    assert.ok(isTransportError(err, 'BECOME_FAILED'));
    assert.match(err.message, /password was rejected/);
    const text = JSON.stringify(err) + err.message + (err.hint ?? '') + String(err.stack);
    assert.ok(!text.includes(wrong) && !text.includes(SECRET));
    await assert.rejects(s.fire('true', { become: true }), (e: unknown) => isTransportError(e, 'BECOME_FAILED'));
    await s.close();
  });

  it('a become-password prompt is asked once per run, shared by concurrent sessions', async () => {
    let asked = 0;
    const ctx = await testContext(dir, { prompt: async (req) => (req.kind === 'become-password' ? (asked++, SECRET) : undefined) });
    const ss = await Promise.all([1, 2, 3].map(() => openSession(vars(withpass), ctx)));
    for (const s of ss) assert.equal((await s.exec('echo ok', { become: true })).stdout, 'ok\n');
    assert.equal(asked, 1);
    await Promise.all(ss.map((s) => s.close()));
  });

  it('rejects become methods other than sudo as CONFIG_INVALID', async () => {
    await assert.rejects(openSession(vars(nopass, { becomeMethod: 'su' }), await testContext(dir)), (e: unknown) => isTransportError(e, 'CONFIG_INVALID'));
  });

  it('BecomeFilter handles markers split across chunks and strips them', () => {
    const w = wrapBecome('id', { user: 'root', password: 'x' }, () => 'abc');
    let sent = 0;
    const f = new BecomeFilter(w, () => sent++);
    const stream = `${w.promptMarker}${w.okMarker}\nreal stderr\n`;
    let out = '';
    for (const ch of stream) out += f.push(ch);
    assert.equal(sent, 1);
    assert.equal(f.state, 'ok');
    assert.equal(out, 'real stderr\n');
    const f2 = new BecomeFilter(w, () => undefined);
    f2.push(`${w.promptMarker}Sorry, try again.\n${w.promptMarker}`);
    assert.equal(f2.state, 'wrong-password');
  });
});

describe('ProxyJump through an in-process bastion', function () {
  this.timeout(20_000);
  const user = makeKey();
  let bastion: FixtureServer;
  let t1: FixtureServer;
  let t2: FixtureServer;
  before(async () => {
    bastion = await startFixtureServer({ users: { jump: [user] }, tcpip: true });
    t1 = await startFixtureServer({ users: { alice: [user] } });
    t2 = await startFixtureServer({ users: { alice: [user] } });
  });
  after(async () => {
    await t1.stop();
    await t2.stop();
    await bastion.stop();
  });

  it('connects through the bastion, each hop checked against its own entry, one bastion connection shared', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'known_hosts'), [bastion.knownHostsLine(), t1.knownHostsLine(), t2.knownHostsLine()].join('\n') + '\n');
    const key = writeKey(dir, user);
    writeFileSync(join(dir, 'ssh_config'), `Host bastion\n  HostName 127.0.0.1\n  Port ${bastion.port}\n  User jump\n  IdentityFile ${key}\n`);
    const ctx = await testContext(dir);
    const before = bastion.connections;
    const [s1, s2] = await Promise.all([
      openSession(connVars({ host: 'h1', port: t1.port, privateKeyFile: key, sshCommonArgs: '-o ProxyJump=bastion' }), ctx),
      openSession(connVars({ host: 'h2', port: t2.port, privateKeyFile: key, sshCommonArgs: "-J bastion -o 'ServerAliveInterval 2'" }), ctx),
    ]);
    assert.ok(s1 && s2);
    assert.equal((await s1.exec('echo one')).stdout, 'one\n');
    assert.equal((await s2.exec('echo two')).stdout, 'two\n');
    assert.equal(bastion.connections - before, 1, 'one bastion connection for both targets');
    assert.equal(ctx.jumpPool.size, 1);
    await s1.close();
    assert.equal(ctx.jumpPool.size, 1, 'still used by h2');
    await s2.close();
    assert.equal(ctx.jumpPool.size, 0, 'released with the last target');
  });

  it('a bastion with an unknown key is refused, naming the jump host', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'known_hosts'), `${t1.knownHostsLine()}\n`);
    const key = writeKey(dir, user);
    const ctx = await testContext(dir, { identityFiles: [key] }); // --private-key applies to every hop
    await assert.rejects(
      openSession(connVars({ port: t1.port, privateKeyFile: key, sshCommonArgs: `-o ProxyCommand="ssh -W %h:%p -q -p ${bastion.port} jump@127.0.0.1"` }), ctx),
      (e: unknown) => {
        assert.ok(isTransportError(e, 'HOST_KEY_UNKNOWN'), String(e));
        assert.match(e.message, new RegExp(`\\[127\\.0\\.0\\.1\\]:${bastion.port}`));
        return true;
      },
    );
  });

  it('a target whose key changed behind a good bastion is refused', async () => {
    const dir = tempDir();
    const other = makeKey();
    writeFileSync(join(dir, 'known_hosts'), `${bastion.knownHostsLine()}\n[127.0.0.1]:${t1.port} ${other.type} ${other.blob.toString('base64')}\n`);
    const key = writeKey(dir, user);
    const ctx = await testContext(dir, { identityFiles: [key] });
    await assert.rejects(openSession(connVars({ port: t1.port, privateKeyFile: key, sshCommonArgs: `-J jump@127.0.0.1:${bastion.port}` }), ctx),
      (e: unknown) => isTransportError(e, 'HOST_KEY_CHANGED'));
    assert.equal(ctx.jumpPool.size, 0, 'bastion released after the failure');
  });
});
