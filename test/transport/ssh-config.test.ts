import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseCommonArgs, parseJumpSpec, planConnection, proxyCommandToJump, splitWords } from '../../src/transport/connect-plan.js';
import { isTransportError } from '../../src/transport/errors.js';
import { parserResolver, sshGResolver, type SshConfigResolver } from '../../src/transport/ssh-config.js';
import { connVars, tempDir } from './fixtures/helpers.js';

function config(dir: string): string {
  const p = join(dir, 'config');
  writeFileSync(p, [
    'Host web-*',
    '  User deploy',
    '  Port 2222',
    '  IdentityFile ~/.ssh/id_web',
    '  ProxyJump bastion',
    `  UserKnownHostsFile ${dir}/kh1 ${dir}/kh2`,
    '  StrictHostKeyChecking accept-new',
    '  ConnectTimeout 7',
    '  ServerAliveInterval 9',
    'Host bastion',
    '  HostName 10.9.9.9',
    '  User jump',
    '  Port 2200',
    'Host db-1',
    '  HostName 10.1.1.1',
    '  ProxyCommand ssh -W %h:%p -q ops@bastion',
    'Match exec "touch ' + dir + '/pwned"',
    '  User pwned',
    'Host *',
    '  ServerAliveCountMax 4',
    '',
  ].join('\n'));
  return p;
}

// Both resolvers must agree; the OpenSSH client (openssh-client) is a test dependency.
const resolvers: Array<[string, (cfg: string, home: string) => SshConfigResolver]> = [
  ['ssh -G', (cfg) => sshGResolver({ configFile: cfg })],
  ['parser fallback (ssh-config, matchExec off)', (cfg, home) => parserResolver({ configFile: cfg, home })],
];

describe('ssh config resolution', function () {
  this.timeout(15_000);
  for (const [name, make] of resolvers) {
    describe(name, () => {
      it('resolves HostName, User, Port, IdentityFile, ProxyJump, known_hosts, policy, timeouts', async () => {
        const dir = tempDir();
        const r = make(config(dir), process.env.HOME ?? '/root');
        const web = await r.resolve('web-01');
        assert.equal(web.hostname, 'web-01');
        assert.equal(web.user, 'deploy');
        assert.equal(web.port, 2222);
        assert.equal(web.identityFiles[0], join(process.env.HOME ?? '/root', '.ssh/id_web'));
        assert.equal(web.proxyJump, 'bastion');
        assert.deepEqual(web.userKnownHostsFiles, [`${dir}/kh1`, `${dir}/kh2`]);
        assert.equal(web.strictHostKeyChecking, 'accept-new');
        assert.equal(web.connectTimeoutS, 7);
        assert.equal(web.serverAliveIntervalS, 9);
        assert.equal(web.serverAliveCountMax, 4);
        const b = await r.resolve('bastion');
        assert.deepEqual([b.hostname, b.user, b.port, b.proxyJump], ['10.9.9.9', 'jump', 2200, undefined]);
        const other = await r.resolve('other', { user: 'u1', port: 2022 });
        assert.deepEqual([other.user, other.port], ['u1', 2022]);
        if (name.startsWith('parser')) assert.ok(!existsSync(join(dir, 'pwned')), 'Match exec must not run');
      });

      it('plans a connection: inventory vars override the config, ProxyJump hops resolved by their own config', async () => {
        const dir = tempDir();
        const r = make(config(dir), process.env.HOME ?? '/root');
        const p = await planConnection(connVars({ host: 'web-01', address: 'web-01', port: 2323, user: 'root', privateKeyFile: '/keys/k', connectTimeoutS: 3 }), r);
        assert.equal(p.target.label, 'root@web-01:2323');
        assert.equal(p.target.identityFiles[0]?.path, '/keys/k');
        assert.equal(p.target.identityFiles[0]?.explicit, true);
        assert.equal(p.target.connectTimeoutS, 3);
        assert.equal(p.target.configPolicy, 'accept-new');
        assert.deepEqual(p.jumps.map((j) => j.label), ['jump@10.9.9.9:2200']);
        const db = await planConnection(connVars({ host: 'db', address: 'db-1', user: undefined }), r);
        assert.equal(db.target.address, '10.1.1.1');
        assert.deepEqual(db.jumps.map((j) => j.label), ['ops@10.9.9.9:2200'], 'ProxyCommand ssh -W became a jump');
        const common = await planConnection(connVars({ host: 'x', address: 'plain', sshCommonArgs: "-o ProxyJump=a@h1:1,h2 -o 'StrictHostKeyChecking no' -o ControlMaster=auto -q" }), r);
        assert.deepEqual(common.jumps.map((j) => j.label), [`a@h1:1`, `${common.jumps[1]?.user}@h2:22`]);
        assert.equal(common.target.configPolicy, 'accept-new', 'StrictHostKeyChecking=no never disables checking');
      });
    });
  }

  it('an unsupported ProxyCommand is CONFIG_INVALID', async () => {
    const r = parserResolver({ configFile: config(tempDir()) });
    await assert.rejects(planConnection(connVars({ sshCommonArgs: '-o ProxyCommand="nc -X 5 -x proxy:1080 %h %p"' }), r),
      (e: unknown) => isTransportError(e, 'CONFIG_INVALID'));
  });

  it('a bad ssh config is CONFIG_INVALID (ssh -G)', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'bad'), 'Host x\n  NoSuchOption yes\n');
    await assert.rejects(planConnection(connVars(), sshGResolver({ configFile: join(dir, 'bad') })), (e: unknown) => isTransportError(e, 'CONFIG_INVALID'));
  });

  it('word splitting, common args, jump specs, ProxyCommand conversion', () => {
    assert.deepEqual(splitWords(`-o 'A B' -o "C=\\"d\\"" e\\ f`), ['-o', 'A B', '-o', 'C="d"', 'e f']);
    const c = parseCommonArgs('-J b1 -p 2 -l u -i /k -oUser=v -o ConnectTimeout=4 -C', 'h');
    assert.equal(c.options.get('proxyjump'), 'b1');
    assert.equal(c.options.get('user'), 'v');
    assert.equal(c.options.get('connecttimeout'), '4');
    assert.deepEqual(c.identityFiles, ['/k']);
    assert.deepEqual(parseJumpSpec('ssh://u@h:2,[::1]:3,plain'), [{ user: 'u', host: 'h', port: 2 }, { host: '::1', port: 3 }, { host: 'plain' }]);
    assert.equal(proxyCommandToJump('ssh -W %h:%p -p 2200 -l ops bastion'), 'ops@bastion:2200');
    assert.equal(proxyCommandToJump('ssh -W [%h]:%p bastion'), 'bastion');
    assert.equal(proxyCommandToJump('ssh -o Foo=bar -W %h:%p bastion'), undefined);
    assert.equal(proxyCommandToJump('nc %h %p'), undefined);
  });
});
