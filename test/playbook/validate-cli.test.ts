// The real CLI: `node bin/kfleet.js validate ...` as a user runs it.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

function kfleet(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(ROOT, 'bin', 'kfleet.js'), ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

describe('kfleet validate (CLI)', function () {
  this.timeout(30_000);
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfleet-validate-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 and prints file:line:col  message for a bad playbook', async () => {
    const r = await kfleet('validate', 'test/fixtures/bad/playbooks/fault-panic-no-ack.yml');
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stdout, '');
    const lines = r.stderr.split('\n');
    assert.equal(lines[0], 'test/fixtures/bad/playbooks/fault-panic-no-ack.yml:5:10  kfence.fault: panic crashes the host on its first KFENCE finding');
    assert.match(lines[1] ?? '', /^\s+hint: .*acknowledge_panic: true/);
  });

  it('prints every problem and a count when there are several', async () => {
    const r = await kfleet('validate', 'test/fixtures/bad/playbooks/multi-play-multi-problem.yml');
    assert.equal(r.code, 2);
    assert.equal(r.stderr.split('\n').filter((l) => /^test\/fixtures\/\S+:\d+:\d+ {2}/.test(l)).length, 3);
    assert.match(r.stderr, /3 problems; nothing was changed\./);
  });

  it('says "N plays OK" for a good playbook and exits 0', async () => {
    const r = await kfleet('validate', 'playbooks/canary-sampling.yml');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'playbooks/canary-sampling.yml: 1 play OK\n');
  });

  it('with -i, counts the hosts of each play, and refuses a play that selects none', async () => {
    const inv = join(dir, 'inv.ini');
    writeFileSync(inv, '[web]\nweb-01\nweb-02\n[prod:children]\nweb\n');
    const good = await kfleet('validate', 'playbooks/canary-sampling.yml', '-i', inv);
    assert.equal(good.code, 0, good.stderr);
    assert.equal(good.stdout, 'playbooks/canary-sampling.yml: 1 play OK\n  KFENCE sampling on the web tier: web:&prod selects 2 hosts\n');
    const none = await kfleet('validate', 'playbooks/slab-full-mode.yml', '-i', inv);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^playbooks\/slab-full-mode\.yml:19:8 {2}hosts: "storage:&prod" matches no host in /);
  });
});
