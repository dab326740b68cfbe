import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configIsHostIndependent, splitConfigLine } from '../../src/transport/ssh-config-scan.js';
import { sshGResolver } from '../../src/transport/ssh-config.js';
import { tempDir } from './fixtures/helpers.js';

// One `ssh -G` answer stands for every host only when that cannot change what kfleet reads.
// The proof is OpenSSH itself: for configs the scan accepts, the shared answer must equal ssh -G
// run for each host; configs with host-specific settings must be refused by the scan.

const HOSTS = ['Web01.Example.COM', 'db-2', '10.0.0.7', 'lab-001'];
const QUERIES: Array<{ user?: string; port?: number }> = [{}, { user: 'sre' }, { port: 2222 }, { user: 'root', port: 40001 }];

function write(dir: string, name: string, lines: string[]): string {
  const p = join(dir, name);
  writeFileSync(p, lines.join('\n') + '\n');
  return p;
}

/** An `ssh` wrapper that logs each call, to count the processes. */
function countingSsh(dir: string): { path: string; calls: () => number } {
  const log = join(dir, 'calls.log');
  writeFileSync(log, '');
  const p = join(dir, 'ssh-counting');
  writeFileSync(p, `#!/bin/sh\necho x >> '${log}'\nexec ssh "$@"\n`);
  chmodSync(p, 0o755);
  return { path: p, calls: () => readFileSync(log, 'utf8').split('\n').filter(Boolean).length };
}

describe('ssh -G once per run when the config is host-independent', function () {
  this.timeout(30_000);

  it('splits config lines like readconf.c (keyword=value, quotes, comments)', () => {
    assert.deepEqual(splitConfigLine('  IdentityFile "/a b/key" ~/k2'), { key: 'identityfile', args: ['/a b/key', '~/k2'] });
    assert.deepEqual(splitConfigLine('Port=2222'), { key: 'port', args: ['2222'] });
    assert.deepEqual(splitConfigLine('User = deploy'), { key: 'user', args: ['deploy'] });
    assert.equal(splitConfigLine('   # comment'), null);
    assert.equal(splitConfigLine(''), null);
  });

  const independent: Array<[string, (dir: string) => string[]]> = [
    ['an empty config', () => []],
    ['global settings before any Host line', (d) => ['User deploy', `UserKnownHostsFile ${d}/kh`, 'StrictHostKeyChecking yes', 'ConnectTimeout 7']],
    ['settings under Host * and unrelated host-specific ones', (d) => ['Host web-*', '  ForwardAgent yes', '  Compression yes', 'Host *', '  IdentityFile ~/.ssh/id_fleet', `  UserKnownHostsFile ${d}/kh`, '  ServerAliveInterval 9', '  ServerAliveCountMax 4']],
    ['an Include of Host * settings (Debian-style conf.d glob)', (d) => {
      mkdirSync(join(d, 'conf.d'), { recursive: true });
      write(join(d, 'conf.d'), '10-fleet.conf', ['Host *', '  IdentityFile ~/.ssh/id_fleet', '  ConnectTimeout 5']);
      write(join(d, 'conf.d'), 'ignored.txt', ['Host web-*', '  User other']);
      return [`Include ${d}/conf.d/*.conf`, 'Host *', '  SendEnv LANG'];
    }],
  ];
  for (const [name, lines] of independent) {
    it(`${name}: accepted, and the shared answer equals ssh -G per host`, async () => {
      const dir = tempDir('kfleet-sshscan-');
      const cfg = write(dir, 'config', lines(dir));
      assert.equal(await configIsHostIndependent({ configFile: cfg, home: dir }), true);
      const counting = countingSsh(dir);
      const shared = sshGResolver({ configFile: cfg, hostIndependent: true, sshPath: counting.path });
      const perHost = sshGResolver({ configFile: cfg });
      for (const q of QUERIES) for (const h of HOSTS) assert.deepEqual(await shared.resolve(h, q), await perHost.resolve(h, q), `${h} ${JSON.stringify(q)}`);
      // One process per (user, port given or not), not one per host.
      assert.equal(counting.calls(), QUERIES.length);
    });
  }

  const dependent: Array<[string, (dir: string) => string[]]> = [
    ['a host-specific User', () => ['Host web-*', '  User deploy']],
    ['a host-specific IdentityFile after Host *', () => ['Host *', '  ConnectTimeout 5', 'Host db-*', '  IdentityFile ~/.ssh/id_db']],
    ['HostName anywhere', () => ['Host *', '  HostName %h.example.com']],
    ['a %-token in a setting kfleet reads', () => ['IdentityFile ~/.ssh/id_%h']],
    ['a Match block', () => ['Match user root', '  ConnectTimeout 3']],
    ['Host * together with a negation', () => ['Host * !bastion', '  ProxyJump bastion']],
    ['CanonicalizeHostname', () => ['CanonicalizeHostname yes']],
    ['an Include inside a host-specific block whose file says Host *', (d) => {
      write(d, 'inc.conf', ['Host *', '  User sneaky']);
      return ['Host web-*', `  Include ${d}/inc.conf`];
    }],
    ['an Include below a globbed directory', (d) => [`Include ${d}/*/x.conf`]],
  ];
  for (const [name, lines] of dependent) {
    it(`${name}: refused (ssh -G runs per host)`, async () => {
      const dir = tempDir('kfleet-sshscan-');
      const cfg = write(dir, 'config', lines(dir));
      assert.equal(await configIsHostIndependent({ configFile: cfg, home: dir }), false);
    });
  }

  it('without -F: reads ~/.ssh/config and the system config; a missing user config is fine, -F FILE must exist', async () => {
    const home = tempDir('kfleet-sshscan-home-');
    const sys = write(home, 'ssh_config', ['Include /nonexistent.d/*.conf', 'Host *', '  SendEnv LANG LC_*', '  HashKnownHosts yes']);
    assert.equal(await configIsHostIndependent({ home, systemConfig: sys }), true);
    mkdirSync(join(home, '.ssh'));
    write(join(home, '.ssh'), 'config', ['Host db-*', '  Port 2200']);
    assert.equal(await configIsHostIndependent({ home, systemConfig: sys }), false);
    assert.equal(await configIsHostIndependent({ home, configFile: join(home, 'missing') }), false);
  });

  it('host names ssh would parse (user@, option-like, IPv6 scope) are resolved one by one', async () => {
    const dir = tempDir('kfleet-sshscan-');
    const cfg = write(dir, 'config', []);
    const counting = countingSsh(dir);
    const shared = sshGResolver({ configFile: cfg, hostIndependent: true, sshPath: counting.path });
    await shared.resolve('fe80::1%lo', {});
    await shared.resolve('web-1', {});
    await shared.resolve('web-2', {});
    assert.equal(counting.calls(), 2);
  });
});
