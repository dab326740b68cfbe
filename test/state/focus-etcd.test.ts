// kfleet focus on the etcd store: its record (steps, run id, the generated playbook's text) lives in
// etcd, so a focus whose controller was killed mid-window is resumed from another working directory
// (the first one's generated playbook file deleted) and still reverts. Witness: the lab hosts' live
// sample_interval and audit trail.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab } from '../../src/lab/index.js';
import { stateStore } from '../../src/state/open.js';
import { kfleetStart } from '../rollout/support.js';
import { startEtcd, type EtcdCluster } from './support/etcd.js';

const KFLEET = fileURLToPath(new URL('../../bin/kfleet.js', import.meta.url));
const TITLE = 'KFENCE: use-after-free read in lab_faulty_driver_ioctl';

describe('kfleet focus on etcd: killed mid-window, resumed from another directory', function () {
  this.timeout(240_000);
  let lab: Lab;
  let etcd: EtcdCluster;
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-focus-etcd-'));
  const interval = async (h: string): Promise<string> => (await lab.host(h).run('cat /sys/module/kfence/parameters/sample_interval')).stdout.trim();

  before(async () => {
    etcd = await startEtcd(1);
    lab = await startLab({ hosts: 3, profile: 'alinux-5.10.134-17', downtimeMs: 200 });
    await lab.host('lab-001').run('echo 100 > /sys/module/kfence/parameters/sample_interval');
    assert.equal(lab.host('lab-001').inject('use-after-free'), 'reported');
  });
  after(async () => {
    await lab?.stop();
    await etcd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes and reverts from the other directory', async () => {
    const url = etcd.url('focus');
    const env = { KFLEET_STATE: url, KFLEET_LOCK_TTL: '3' };
    const common = ['-i', lab.inventoryPath, '--known-hosts', lab.knownHostsPath];
    const cwdA = join(dir, 'a');
    const cwdB = join(dir, 'b');
    mkdirSync(cwdA);
    mkdirSync(cwdB);
    const rep = await kfleetStart(['report', ...common, '--json'], env, cwdA).done;
    assert.equal(rep.code, 0, rep.stderr);
    const before = await Promise.all(lab.hosts.map((h) => interval(h.name)));

    const child = spawn(process.execPath, [KFLEET, 'focus', TITLE, ...common, '--hosts', '2', '--window', '20s'], { cwd: cwdA, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d));
    const deadline = Date.now() + 90_000;
    while (!(await interval('lab-002')).startsWith('-1')) {
      assert.ok(Date.now() < deadline, `full mode reached the second host; stderr: ${err}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const id = /focus (focus-\S+):/.exec(err)?.[1];
    assert.ok(id, `focus id in: ${err}`);
    process.kill(-child.pid!, 'SIGKILL'); // the controller and its apply die mid-window
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await interval('lab-002'), '-1', 'still focused after the kill');
    const rec = stateStore(url).loadRecord('focus', id) as { run: string | null; phase: string; playbook: string; playbook_text: string };
    assert.equal(rec.phase, 'applying');
    assert.ok(rec.run, 'the run id was recorded in etcd before the kill');
    rmSync(rec.playbook, { force: true }); // another machine would not have it

    const r = await kfleetStart(['focus', '--resume', id, ...common], env, cwdB).done;
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(await Promise.all(lab.hosts.map((h) => interval(h.name))), before, 'reverted after the resume');
    assert.equal((stateStore(url).loadRecord('focus', id) as { phase: string }).phase, 'done');
  });
});
