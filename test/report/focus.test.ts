// kfleet focus TITLE against the lab: full mode on the finding's cache for a window on hosts of
// its cohort, through the rollout engine, then reverted by itself, also after the controller was
// killed mid-window (--resume). The witness is each lab host's live value and audit trail.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLab, type Lab } from '../../src/lab/index.js';
import { kfleet } from '../rollout/support.js';

const KFLEET = fileURLToPath(new URL('../../bin/kfleet.js', import.meta.url));
const TITLE = 'KFENCE: use-after-free read in lab_faulty_driver_ioctl';

describe('kfleet focus: full mode on a finding\'s cache for a window, then back', function () {
  this.timeout(240_000);
  let lab: Lab;
  let dir = '';
  const sd = (): string => join(dir, 'state');
  const common = (): string[] => ['-i', lab.inventoryPath, '--known-hosts', lab.knownHostsPath, '--state-dir', sd()];
  const interval = async (h: string): Promise<string> => (await lab.host(h).run('cat /sys/module/kfence/parameters/sample_interval')).stdout.trim();
  const fullWrites = (h: string): number => lab.host(h).audit.filter((e) => e.kind === 'write' && e.path.endsWith('/sample_interval') && String(e.value).trim() === '-1' && e.ok).length;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kfleet-focus-'));
    lab = await startLab({ hosts: 3, profile: 'alinux-5.10.134-17', downtimeMs: 200 });
    await lab.host('lab-001').run('echo 100 > /sys/module/kfence/parameters/sample_interval');
    assert.equal(lab.host('lab-001').inject('use-after-free'), 'reported');
    const r = await kfleet(['report', ...common(), '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(TITLE));
  });
  afterEach(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('focuses 2 hosts of the cohort for the window and reverts them by itself', async () => {
    const before = await Promise.all(lab.hosts.map((h) => interval(h.name)));
    const r = await kfleet(['focus', TITLE, ...common(), '--hosts', '2', '--window', '2s']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    // witness: full mode was written on lab-001 (it had the bug) and one more host, not on the third
    assert.deepEqual(lab.hosts.map((h) => fullWrites(h.name) > 0), [true, true, false]);
    assert.deepEqual(await Promise.all(lab.hosts.map((h) => interval(h.name))), before, 'back as before');
  });

  it('survives a controller kill in the window: --resume finishes and reverts', async () => {
    const before = await Promise.all(lab.hosts.map((h) => interval(h.name)));
    const child = spawn(process.execPath, [KFLEET, 'focus', TITLE, ...common(), '--hosts', '2', '--window', '20s'], { detached: true, stdio: 'ignore' });
    const deadline = Date.now() + 60_000;
    while (!(await interval('lab-002')).startsWith('-1')) {
      assert.ok(Date.now() < deadline, 'full mode reached the second host');
      await new Promise((r) => setTimeout(r, 200));
    }
    process.kill(-child.pid!, 'SIGKILL'); // the controller and its children die mid-window
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(await interval('lab-002'), '-1', 'still focused after the kill');
    const id = readdirSync(join(sd(), 'focus')).find((f) => f.endsWith('.json'))!.replace(/\.json$/, '');
    const rec = JSON.parse(readFileSync(join(sd(), 'focus', `${id}.json`), 'utf8')) as { run: string | null; phase: string };
    assert.equal(rec.phase, 'applying');
    assert.ok(rec.run, 'the run id was recorded before the kill');
    const r = await kfleet(['focus', '--resume', id, ...common()]);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.deepEqual(await Promise.all(lab.hosts.map((h) => interval(h.name))), before, 'reverted after the resume');
    assert.ok(existsSync(join(sd(), 'focus', `${id}.json`)));
    assert.equal((JSON.parse(readFileSync(join(sd(), 'focus', `${id}.json`), 'utf8')) as { phase: string }).phase, 'done');
  });
});
