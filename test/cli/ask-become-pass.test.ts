// -K / --ask-become-pass, as Ansible has it: the become password is asked once before connecting
// (hidden on a terminal, read from stdin otherwise) and used for every host. The BECOME_FAILED hint
// names the flag that exists. Witness: the lab host's sudo accepted it (status read root-only files).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { ROOT, events, labPlaybook, tmp } from '../e2e/support.js';

function kfleetChild(args: string[], stdin: string | null): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.KFLEET_BECOME_PASSWORD;
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kfleet.js'), ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
    if (stdin !== null) child.stdin.write(stdin);
    child.stdin.end();
  });
}

describe('--ask-become-pass (-K)', function () {
  this.timeout(60_000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ hosts: 2, profile: 'alinux-5.10.134-17', stateDir: tmp('askpass'), become: 'sudo-password', sudoPassword: 'Kq7-askpass-Secret' });
  });
  after(async () => lab?.stop());

  it('with -K and the password on stdin, every host is read as root; the password is printed nowhere', async () => {
    const r = await kfleetChild(['status', '-i', lab.inventoryPath, '--json', '-K'], `${lab.sudoPassword}\n`);
    assert.equal(r.code, 0, r.err);
    const rows = (JSON.parse(r.out) as { hosts: Array<{ host: string; error?: unknown; sample_interval: number | null }> }).hosts;
    // The KFENCE parameters are 0600 on the host: their values are known only when sudo took the password.
    const live = await Promise.all(lab.hosts.map(async (h) => Number((await h.readFile('/sys/module/kfence/parameters/sample_interval')).trim())));
    assert.deepEqual(rows.map((x) => [x.host, x.error, x.sample_interval]), lab.hosts.map((h, i) => [h.name, undefined, live[i]]));
    assert.ok(!r.out.includes(lab.sudoPassword!) && !r.err.includes(lab.sudoPassword!));
  });

  it('a wrong password fails become, and the hint names flags that exist', async () => {
    const r = await kfleetChild(['status', '-i', lab.inventoryPath, '--json', '-K'], 'not-the-password\n');
    assert.equal(r.code, 1);
    const rows = (JSON.parse(r.out) as { hosts: Array<{ error?: { code: string } }> }).hosts;
    assert.deepEqual(rows.map((x) => x.error?.code), ['BECOME_FAILED', 'BECOME_FAILED']);
    // The hint of BECOME_FAILED (in apply's events) names only flags that exist.
    const pb = labPlaybook(lab.stateDir, 'demo-runtime.yml', 'all');
    const a = await kfleetChild(['apply', pb, '-i', lab.inventoryPath, '--check', '--json', '-K'], 'not-the-password\n');
    const results = events(a.out).filter((e) => e.type === 'host.result').map((e) => (e.error as { code: string; hint?: string } | undefined));
    assert.ok(results.length === 2 && results.every((h) => h !== undefined), a.out.slice(-1500) + a.err);
    const hints = results.filter((h) => h?.code === 'BECOME_FAILED');
    assert.ok(hints.length > 0, a.out.slice(-1500));
    const help = await kfleetChild(['apply', '--help'], null);
    const flags = [...(hints[0]?.hint ?? '').matchAll(/(?<![\w-])(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1]!);
    assert.ok(flags.includes('--ask-become-pass'), hints[0]?.hint);
    for (const f of flags) assert.ok(help.out.includes(f), `${f} (from the hint) is not an option of kfleet apply`);
  });

  it('-K with an empty stdin is a usage error, before any connection', async () => {
    const r = await kfleetChild(['status', '-i', lab.inventoryPath, '-K'], null);
    assert.equal(r.code, 2, r.err);
    assert.match(r.err, /stdin ended before a password was read/);
  });
});
