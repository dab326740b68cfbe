// ansible.cfg and ANSIBLE_* settings in Ansible's order, judged by `ansible-config dump
// --only-changed` on the same files and environment; then flags over settings in a command.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Command } from 'commander';
import { SETTINGS, effectiveConfig } from '../../src/config/settings.js';
import { addFleetOptions } from '../../src/cli/options.js';
import { connectionVars, setConnectionDefaults } from '../../src/inventory/connection.js';
import { capture } from '../support/capture.js';

const run = promisify(execFile);

/** `NAME(SOURCE) = VALUE` lines of ansible-config dump, values read from Python's repr. */
async function ansibleDump(cwd: string, env: NodeJS.ProcessEnv): Promise<Map<string, { source: string; value: unknown }>> {
  const { stdout } = await run('ansible-config', ['dump', '--only-changed'], { cwd, env: { PATH: process.env['PATH'], ANSIBLE_NOCOLOR: '1', ...env } });
  const out = new Map<string, { source: string; value: unknown }>();
  for (const line of stdout.split('\n')) {
    const m = /^(\w+)\(([^)]*)\) = (.*)$/.exec(line);
    if (!m || !SETTINGS.some((d) => d.ansible === m[1])) continue; // the settings kfleet shares
    const raw = m[3]!;
    const value = raw === 'True' ? true : raw === 'False' ? false : /^\d+$/.test(raw) ? Number(raw) : raw.startsWith('[') ? (JSON.parse(raw.replace(/'/g, '"')) as unknown) : raw;
    out.set(m[1]!, { source: m[2]!, value });
  }
  return out;
}

function ours(cwd: string, env: NodeJS.ProcessEnv) {
  const cfg = effectiveConfig({ ...env }, cwd);
  return new Map(cfg.settings.filter((s) => s.source !== 'default').map((s) => [s.ansible, { source: s.source, value: s.value as unknown }]));
}

describe('ansible.cfg and ANSIBLE_* settings, compared with ansible-config', function () {
  this.timeout(120_000);
  let tmp: string;
  let home: string;
  let proj: string;
  let other: string;

  before(async () => {
    try {
      await run('ansible-config', ['--version']);
    } catch {
      assert.fail('ansible-core is not installed (ansible-config not on PATH): run `apt-get install ansible-core`');
    }
    tmp = mkdtempSync(path.join(tmpdir(), 'kfleet-cfg-'));
    home = path.join(tmp, 'home');
    proj = path.join(tmp, 'proj');
    other = path.join(tmp, 'other');
    for (const d of [home, proj, other]) mkdirSync(d);
    writeFileSync(
      path.join(proj, 'ansible.cfg'),
      '# project settings\n[defaults]\ninventory = inv.ini, ~/fleet/hosts.yml\nremote_user = alice ; the deploy user\nforks: 17\nhost_key_checking = False\nprivate_key_file = keys/id_ed25519\ntimeout = 31\n\n[privilege_escalation]\nbecome = yes\nbecome_user = admin\nbecome_ask_pass = true\n',
    );
    writeFileSync(path.join(home, '.ansible.cfg'), '[defaults]\nremote_user = bob\nforks = 23\n');
    writeFileSync(path.join(other, 'custom.cfg'), '[defaults]\ntimeout = 44\n[privilege_escalation]\nbecome_method = sudo\nbecome_user = carol\n');
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  const scenarios: { what: string; cwd: () => string; env: () => NodeJS.ProcessEnv; expect: (m: Map<string, { source: string; value: unknown }>) => void }[] = [
    {
      what: './ansible.cfg, with relative and ~ paths and an inline comment',
      cwd: () => proj,
      env: () => ({ HOME: home }),
      expect: (m) => {
        assert.deepEqual(m.get('DEFAULT_HOST_LIST')?.value, [path.join(proj, 'inv.ini'), path.join(home, 'fleet/hosts.yml')]);
        assert.equal(m.get('DEFAULT_REMOTE_USER')?.value, 'alice');
      },
    },
    {
      what: 'environment variables over ./ansible.cfg',
      cwd: () => proj,
      env: () => ({ HOME: home, ANSIBLE_FORKS: '9', ANSIBLE_REMOTE_USER: 'dave', ANSIBLE_HOST_KEY_CHECKING: 'yes', ANSIBLE_INVENTORY: 'a.ini,b.yml', ANSIBLE_PRIVATE_KEY_FILE: '~/k', ANSIBLE_BECOME: 'false', ANSIBLE_BECOME_USER: 'eve', ANSIBLE_TIMEOUT: '5' }),
      expect: (m) => assert.equal(m.get('DEFAULT_FORKS')?.source, 'env: ANSIBLE_FORKS'),
    },
    {
      what: 'ANSIBLE_CONFIG over ./ansible.cfg',
      cwd: () => proj,
      env: () => ({ HOME: home, ANSIBLE_CONFIG: path.join(other, 'custom.cfg') }),
      expect: (m) => assert.equal(m.get('DEFAULT_TIMEOUT')?.value, 44),
    },
    {
      what: '~/.ansible.cfg when there is no ./ansible.cfg',
      cwd: () => other,
      env: () => ({ HOME: home }),
      expect: (m) => assert.equal(m.get('DEFAULT_FORKS')?.value, 23),
    },
  ];
  for (const s of scenarios) {
    it(s.what, async () => {
      const theirs = await ansibleDump(s.cwd(), s.env());
      s.expect(theirs);
      assert.deepEqual(ours(s.cwd(), s.env()), theirs);
    });
  }

  it('a world-writable current directory: its ansible.cfg is ignored with a warning, as Ansible does', async () => {
    chmodSync(proj, 0o777);
    try {
      const theirs = await ansibleDump(proj, { HOME: home });
      assert.equal(theirs.get('DEFAULT_FORKS')?.value, 23, 'Ansible fell back to ~/.ansible.cfg');
      assert.deepEqual(ours(proj, { HOME: home }), theirs);
      const cfg = effectiveConfig({ HOME: home }, proj);
      assert.match(cfg.warnings.join('\n'), new RegExp(`ignoring ${path.join(proj, 'ansible.cfg')}: the directory ${proj} is world-writable`));
    } finally {
      chmodSync(proj, 0o755);
    }
  });
});

describe('settings applied to commands: flags win', () => {
  const env = { ...process.env };
  let tmp: string;
  beforeEach(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'kfleet-cfg-apply-'));
    writeFileSync(path.join(tmp, 'ansible.cfg'), '[defaults]\ninventory = hosts.ini\nforks = 7\nhost_key_checking = false\nremote_user = alice\ntimeout = 33\n[privilege_escalation]\nbecome = true\n');
    writeFileSync(path.join(tmp, 'hosts.ini'), '[web]\nweb1\nweb2 ansible_user=root ansible_become=no\n');
    process.env['ANSIBLE_CONFIG'] = path.join(tmp, 'ansible.cfg');
  });
  afterEach(() => {
    process.env = { ...env };
    setConnectionDefaults({});
    rmSync(tmp, { recursive: true, force: true });
  });

  async function parsed(args: string[]) {
    let seen: Record<string, unknown> = {};
    const program = new Command('kfleet').exitOverride();
    addFleetOptions(program.command('probe')).action((o: Record<string, unknown>) => {
      seen = o;
    });
    await program.parseAsync(['probe', ...args], { from: 'user' });
    return seen;
  }

  it('fills unset options from ansible.cfg and the environment, never over a flag', async () => {
    const o = await parsed([]);
    assert.deepEqual(o['inventory'], [path.join(tmp, 'hosts.ini')]);
    assert.equal(o['forks'], '7');
    assert.equal(o['hostKeyPolicy'], 'off');
    assert.equal(o['connectTimeout'], '33');
    const web1 = connectionVars({ name: 'web1', vars: {}, groups: ['all', 'web'] });
    assert.deepEqual([web1.user, web1.become], ['alice', true]);
    const web2 = connectionVars({ name: 'web2', vars: { ansible_user: 'root', ansible_become: 'no' }, groups: ['all', 'web'] });
    assert.deepEqual([web2.user, web2.become], ['root', false], 'inventory variables beat ansible.cfg');

    process.env['ANSIBLE_FORKS'] = '11';
    const flags = await parsed(['-i', 'x.ini', '-f', '3', '--host-key-policy', 'strict', '--connect-timeout', '4']);
    assert.deepEqual([flags['inventory'], flags['forks'], flags['hostKeyPolicy'], flags['connectTimeout']], [['x.ini'], '3', 'strict', '4']);
    assert.equal((await parsed([]))['forks'], '11', 'the environment beats ansible.cfg');
  });

  it('kfleet hosts uses the inventory from ansible.cfg; kfleet config shows values and sources', async () => {
    const r = await capture(['hosts']);
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'web1\nweb2\n');
    process.env['ANSIBLE_REMOTE_USER'] = 'zed';
    const c = await capture(['config']);
    assert.match(c.out, new RegExp(`^config file: ${tmp}/ansible.cfg$`, 'm'));
    assert.match(c.out, /^remote_user +zed +env: ANSIBLE_REMOTE_USER /m);
    assert.match(c.out, new RegExp(`^forks +7 +${tmp}/ansible.cfg `, 'm'));
    assert.match(c.out, /^become_method +- +default /m);
  });
});
