import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { withLockFile, prepareHostKeyCheck } from '../../src/transport/host-key.js';
import { checkHostKey, hashedLine, hostFieldMatches, knownHostName, parseKnownHosts, pinnedAlgorithms, wildcardMatch } from '../../src/transport/known-hosts.js';
import { isTransportError } from '../../src/transport/errors.js';
import { tempDir } from './fixtures/helpers.js';
import { makeKey } from './fixtures/ssh-server.js';

const k1 = makeKey();
const k2 = makeKey();
const b64 = (k: { blob: Buffer }) => k.blob.toString('base64');

describe('known_hosts', () => {
  it('names hosts as OpenSSH does', () => {
    assert.equal(knownHostName('web-1', 22), 'web-1');
    assert.equal(knownHostName('web-1', 2222), '[web-1]:2222');
  });

  it('parses markers, comments and skips malformed lines', () => {
    const e = parseKnownHosts(`# comment\n\nweb-1 ssh-ed25519 ${b64(k1)} c\n@revoked * ssh-ed25519 ${b64(k2)}\n@cert-authority *.x ssh-ed25519 ${b64(k2)}\n@bogus h ssh-ed25519 ${b64(k1)}\nbroken-line\nh ssh-ed25519 not!base64\n`, 'f');
    assert.deepEqual(e.map((x) => [x.line, x.marker, x.hosts]), [[3, null, 'web-1'], [4, 'revoked', '*'], [5, 'cert-authority', '*.x']]);
  });

  it('wildcards and negation', () => {
    assert.ok(wildcardMatch('web-?.example', 'WEB-1.example'));
    assert.ok(!wildcardMatch('web-?.example', 'web-10.example'));
    assert.ok(wildcardMatch('[10.0.0.*]:2222', '[10.0.0.7]:2222'));
    assert.ok(hostFieldMatches('*.prod,!db-*.prod', 'web-1.prod'));
    assert.ok(!hostFieldMatches('*.prod,!db-*.prod', 'db-1.prod'));
    assert.ok(!hostFieldMatches('!db-1.prod', 'web.prod'), 'a negation alone matches nothing');
    assert.ok(!hostFieldMatches('web-1', '[web-1]:2222'), 'a bare name does not cover another port');
  });

  it('several keys per host, revoked, changed, unknown', () => {
    const e = parseKnownHosts(`h1,h2 ssh-ed25519 ${b64(k1)}\nh1 ecdsa-sha2-nistp256 ${b64(k2)}\n@revoked h3 ssh-ed25519 ${b64(k1)}\nh3 ssh-ed25519 ${b64(k1)}\n`, 'f');
    assert.equal(checkHostKey(e, 'h1', k1.blob).kind, 'match');
    assert.equal(checkHostKey(e, 'h1', k2.blob).kind, 'match', 'second key of the same host');
    assert.equal(checkHostKey(e, 'h2', k2.blob).kind, 'changed');
    assert.equal(checkHostKey(e, 'h3', k1.blob).kind, 'revoked');
    assert.equal(checkHostKey(e, 'h4', k1.blob).kind, 'unknown');
    assert.deepEqual(pinnedAlgorithms(e, 'h1'), ['ssh-ed25519', 'ecdsa-sha2-nistp256']);
    assert.deepEqual(pinnedAlgorithms(parseKnownHosts(`h ssh-rsa ${b64(k1)}`, 'f'), 'h'), ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa']);
  });

  it('matches lines hashed by ssh-keygen -H, and ssh-keygen -F finds lines we hash', () => {
    const dir = tempDir();
    const f = join(dir, 'kh');
    writeFileSync(f, `web-01.example ssh-ed25519 ${b64(k1)}\n[web-02.example]:2222 ssh-ed25519 ${b64(k2)}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', f], { stdio: 'ignore' });
    const hashed = parseKnownHosts(readFileSync(f, 'utf8'), f);
    assert.equal(hashed.length, 2);
    assert.ok(hashed.every((x) => x.hosts.startsWith('|1|')));
    assert.equal(checkHostKey(hashed, 'web-01.example', k1.blob).kind, 'match');
    assert.equal(checkHostKey(hashed, '[web-02.example]:2222', k2.blob).kind, 'match');
    assert.equal(checkHostKey(hashed, 'web-02.example', k2.blob).kind, 'unknown', 'port is part of the hashed name');
    assert.equal(checkHostKey(hashed, 'web-01.example', k2.blob).kind, 'changed');
    const ours = join(dir, 'ours');
    writeFileSync(ours, `${hashedLine('[db.example]:2200', 'ssh-ed25519', k1.blob)}\n`);
    const found = execFileSync('ssh-keygen', ['-F', '[db.example]:2200', '-f', ours], { encoding: 'utf8' });
    assert.match(found, /Host \[db\.example\]:2200 found: line 1/);
    assert.throws(() => execFileSync('ssh-keygen', ['-F', 'db.example', '-f', ours], { stdio: 'ignore' }));
  });

  it('accept-new under concurrency: one hashed line per host, lock released', async () => {
    const dir = tempDir();
    const file = join(dir, 'sub', 'known_hosts');
    const keys = Array.from({ length: 8 }, () => makeKey());
    const results = await Promise.all(
      keys.map(async (k, i) => {
        const c = await prepareHostKeyCheck({ host: `h${i}`, address: `10.0.0.${i}`, port: 22, policy: 'accept-new', files: [file] });
        return c.verify(k.blob);
      }),
    );
    assert.deepEqual(results, keys.map(() => 'recorded'));
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    assert.equal(lines.length, 8);
    const entries = parseKnownHosts(lines.join('\n'), file);
    keys.forEach((k, i) => assert.equal(checkHostKey(entries, `10.0.0.${i}`, k.blob).kind, 'match'));
    assert.deepEqual(readdirSync(join(dir, 'sub')), ['known_hosts']);
    // a second run with another key for the same host: changed, nothing appended
    const c = await prepareHostKeyCheck({ host: 'h0', address: '10.0.0.0', port: 22, policy: 'accept-new', files: [file] });
    await assert.rejects(c.verify(k2.blob), (e: unknown) => isTransportError(e, 'HOST_KEY_CHANGED'));
    assert.equal(readFileSync(file, 'utf8').trim().split('\n').length, 8);
  });

  it('a racing writer that recorded a different key first makes accept-new fail (re-check under the lock)', async () => {
    const dir = tempDir();
    const file = join(dir, 'known_hosts');
    const c = await prepareHostKeyCheck({ host: 'h', address: 'race', port: 22, policy: 'accept-new', files: [file] });
    writeFileSync(file, `race ssh-ed25519 ${b64(k2)}`); // no trailing newline
    await assert.rejects(c.verify(k1.blob), (e: unknown) => isTransportError(e, 'HOST_KEY_CHANGED'));
  });

  it('withLockFile serialises and breaks stale locks', async () => {
    const dir = tempDir();
    const lock = join(dir, 'x.lock');
    const order: string[] = [];
    await Promise.all([1, 2, 3].map((i) => withLockFile(lock, async () => {
      order.push(`in${i}`);
      await new Promise((r) => setTimeout(r, 20));
      order.push(`out${i}`);
    })));
    for (let i = 0; i < order.length; i += 2) assert.equal(order[i]?.replace('in', ''), order[i + 1]?.replace('out', ''));
    writeFileSync(lock, '999999\n');
    const { utimesSync } = await import('node:fs');
    utimesSync(lock, new Date(Date.now() - 60_000), new Date(Date.now() - 60_000));
    assert.equal(await withLockFile(lock, async () => 'ran', 1000), 'ran');
  });
});
