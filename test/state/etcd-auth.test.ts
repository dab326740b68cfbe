// etcd with authentication on: kfleet takes the user and password from KFLEET_ETCD_USER and
// KFLEET_ETCD_PASSWORD, works with them, fails without or with a wrong one, and never prints them.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { kfleetStart } from '../rollout/support.js';

const cli = (args: string[], cwd: string, env: Record<string, string> = {}) => kfleetStart(args, env, cwd);

const PASSWORD = 'pw-Zq81-never-printed';

describe('etcd state with authentication', function () {
  this.timeout(120_000);
  let etcd: EtcdCluster;
  const cwd = mkdtempSync(`${tmpdir()}/kfleet-auth-`);
  before(async () => {
    etcd = await startEtcd(1);
    const ctl = (...a: string[]) => execFileSync('etcdctl', [`--endpoints=http://${etcd.endpoints}`, ...a], { env: { ...process.env, ETCDCTL_API: '3' } }).toString();
    ctl('user', 'add', `root:${PASSWORD}`, '--interactive=false');
    ctl('auth', 'enable');
  });
  after(async () => etcd?.stop());

  it('works with the credentials from the environment, fails closed without them, and never prints them', async () => {
    const url = etcd.url('auth');
    const ok = await cli(['--state', url, 'runs', '--json'], cwd, { KFLEET_ETCD_USER: 'root', KFLEET_ETCD_PASSWORD: PASSWORD }).done;
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(JSON.parse(ok.stdout), { runs: [] });

    const wrong = await cli(['--state', url, 'runs'], cwd, { KFLEET_ETCD_USER: 'root', KFLEET_ETCD_PASSWORD: `${PASSWORD}-wrong`, KFLEET_STATE_TIMEOUT: '10' }).done;
    assert.notEqual(wrong.code, 0);
    assert.match(wrong.stderr, /STATE_UNAVAILABLE|auth/i);
    const none = await cli(['--state', url, 'runs'], cwd, { KFLEET_STATE_TIMEOUT: '10' }).done;
    assert.notEqual(none.code, 0);
    const half = await cli(['--state', url, 'runs'], cwd, { KFLEET_ETCD_USER: 'root' }).done;
    assert.equal(half.code, 2);
    assert.match(half.stderr, /KFLEET_ETCD_PASSWORD is not/);
    for (const r of [ok, wrong, none, half]) assert.ok(!(r.stdout + r.stderr).includes(PASSWORD), `a password was printed: ${r.stderr}`);
  });
});
