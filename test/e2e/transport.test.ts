// Issue 4, "Done when" 2: host keys (changed, accept-new), a ProxyJump chain through lab bastions,
// and become with a sudo password that never shows up anywhere it should not.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { auditMark, events, kfleet, labPlaybook, ROOT, tmp, writesSince } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

const results = (stdout: string) => new Map(events(stdout).filter((e) => e.type === 'host.result').map((e) => [e.host as string, e as unknown as Record<string, unknown> & { status: string; error?: { code: string; message: string } }]));

describe('e2e: host keys and jump hosts', function () {
  this.timeout(60_000);
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = tmp('keys');
    lab = await startLab({ hosts: 4, profile: 'upstream-6.12', stateDir: dir, downtimeMs: 100 });
  });
  after(async () => lab?.stop());
  afterEach(async () => {
    for (const h of lab.hosts) h.fault('none');
    await lab.writeKnownHosts();
  });

  it('a host whose key changed is refused with HOST_KEY_CHANGED and left untouched; the others converge', async () => {
    const h = lab.host('lab-002');
    h.fault('new-host-key');
    await h.reboot();
    const file = labPlaybook(dir, 'demo-runtime.yml', 'lab');
    const mark = auditMark(lab.hosts);
    const seen = await witnessMark(lab);
    const a = await kfleet(['apply', file, '-i', lab.inventoryPath, '--state-dir', join(dir, 'state'), '--yes', '--json']);
    await assertWitness(lab, seen, { exitCode: a.code, events: events(a.stdout), journal: { stateDir: join(dir, 'state') } }, { playbook: file });
    const r = results(a.stdout);
    assert.equal(r.get('lab-002')?.error?.code, 'HOST_KEY_CHANGED', JSON.stringify(r.get('lab-002')));
    assert.ok(['failed', 'unreachable'].includes(r.get('lab-002')!.status));
    for (const n of ['lab-001', 'lab-003', 'lab-004']) assert.equal(r.get(n)?.status, 'changed', n);
    const w = writesSince(lab.hosts, mark);
    assert.deepEqual(w.filter((x) => x.host === 'lab-002'), []);
    assert.ok(w.some((x) => x.host === 'lab-001'));
    assert.equal(a.code, 1);
    // plan says so too, with a hint
    const p = await kfleet(['plan', file, '-i', lab.inventoryPath, '--json']);
    const doc = JSON.parse(p.stdout) as { hosts: Array<{ name: string; error?: { code: string } }> };
    assert.equal(doc.hosts.find((x) => x.name === 'lab-002')?.error?.code, 'HOST_KEY_CHANGED');
  });

  it('--host-key-policy accept-new records a new host as a hashed line, then refuses a changed key', async () => {
    const kh = join(dir, 'known_hosts.accept');
    writeFileSync(kh, '');
    const h = lab.host('lab-003');
    const args = ['status', 'lab-003', '-i', lab.inventoryPath, '--known-hosts', kh, '--json'];
    const strict = await kfleet(args);
    assert.equal(strict.code, 1);
    assert.match(strict.stdout, /HOST_KEY_UNKNOWN/);
    assert.equal(readFileSync(kh, 'utf8'), '', 'strict wrote known_hosts');

    const first = await kfleet([...args, '--host-key-policy', 'accept-new']);
    assert.equal(first.code, 0, first.stdout + first.stderr);
    const lines = readFileSync(kh, 'utf8').split('\n').filter(Boolean);
    assert.equal(lines.length, 1);
    assert.match(lines[0]!, /^\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+ ssh-ed25519 /);
    const found = await new Promise<string>((res) => {
      const p = spawn('ssh-keygen', ['-F', `[127.0.0.1]:${h.port}`, '-f', kh]);
      let o = '';
      p.stdout.on('data', (d: Buffer) => (o += d.toString()));
      p.on('close', () => res(o));
    });
    assert.match(found, /Host \[127\.0\.0\.1\]:\d+ found/, 'OpenSSH finds the recorded host');
    assert.equal((await kfleet(args)).code, 0, 'the recorded key is now trusted under strict');

    h.fault('new-host-key');
    await h.reboot();
    const changed = await kfleet([...args, '--host-key-policy', 'accept-new']);
    assert.equal(changed.code, 1);
    assert.match(changed.stdout, /HOST_KEY_CHANGED/);
    assert.deepEqual(readFileSync(kh, 'utf8').split('\n').filter(Boolean), lines, 'accept-new must not replace a changed key');
  });

  it('a ProxyJump chain through two lab bastions works; each hop is checked against its own known_hosts entry', async () => {
    const [b1, b2, t1, t2] = lab.hosts as [typeof lab.hosts[0], typeof lab.hosts[0], typeof lab.hosts[0], typeof lab.hosts[0]];
    const cfg = join(dir, 'ssh_config');
    const kh = join(dir, 'known_hosts.jump');
    writeFileSync(kh, readFileSync(lab.knownHostsPath));
    writeFileSync(cfg, [b1, b2].map((b, i) => `Host bastion${i + 1}\n  HostName 127.0.0.1\n  Port ${b.port}\n  User root\n  IdentityFile ${lab.clientKeyPath}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${kh}\n  StrictHostKeyChecking yes\n`).join(''));
    const inv = join(dir, 'jump.ini');
    const line = (t: typeof t1, jump: string) => `${t.name} ansible_host=127.0.0.1 ansible_port=${t.port} ansible_user=root ansible_ssh_private_key_file=${lab.clientKeyPath} ansible_ssh_common_args='-o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes ${jump}'`;
    writeFileSync(inv, ['[lab]', line(t1, '-o ProxyJump=bastion1,bastion2'), line(t2, '-J bastion1,bastion2'), ''].join('\n'));
    const file = labPlaybook(dir, 'demo-runtime.yml', 'lab', { kfence: { sample_interval: 77 } });
    const seen = await witnessMark([t1, t2]);
    const a = await kfleet(['apply', file, '-i', inv, '-F', cfg, '--state-dir', join(dir, 'state-jump'), '--yes', '--json']);
    await assertWitness([t1, t2], seen, { exitCode: a.code, events: events(a.stdout), journal: { stateDir: join(dir, 'state-jump') } }, { playbook: file });
    const r = results(a.stdout);
    assert.deepEqual([r.get(t1.name)?.status, r.get(t2.name)?.status], ['changed', 'changed'], a.stdout.slice(-1500));
    assert.equal((await t1.readFile('/sys/module/kfence/parameters/sample_interval')).trim(), '77');

    // The second bastion's entry now holds another host's key: the chain fails at that hop.
    const other = readFileSync(lab.knownHostsPath, 'utf8').split('\n').find((l) => l.startsWith(`[127.0.0.1]:${t2.port} `))!.split(' ').slice(1).join(' ');
    writeFileSync(kh, readFileSync(lab.knownHostsPath, 'utf8').split('\n').map((l) => (l.startsWith(`[127.0.0.1]:${b2.port} `) ? `[127.0.0.1]:${b2.port} ${other}` : l)).join('\n'));
    const s = await kfleet(['status', '-i', inv, '-F', cfg, '--json']);
    const st = JSON.parse(s.stdout) as { hosts: Array<{ host: string; error?: { code: string; message: string } }> };
    for (const h of st.hosts) {
      assert.equal(h.error?.code, 'HOST_KEY_CHANGED', JSON.stringify(h));
      assert.match(h.error!.message, new RegExp(`${b2.port}|bastion2`), 'the error names the bastion, not the target');
    }
  });
});

describe('e2e: become with a sudo password', function () {
  this.timeout(90_000);
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = tmp('sudo');
    lab = await startLab({ hosts: 2, profile: 'upstream-6.12', stateDir: dir, downtimeMs: 100, become: 'sudo-password', sudoPassword: 'Zq8-s3cret-Pw-4e2e' });
  });
  after(async () => lab?.stop());

  it('sre converges the hosts; the password is in no output, event, state file, journal or argv', async () => {
    const pw = lab.sudoPassword!;
    assert.match(readFileSync(lab.inventoryPath, 'utf8'), /ansible_user=sre/);
    // With a slab selection the write script is ~70 KB: it goes to the host on stdin, after sudo took the password.
    const file = labPlaybook(dir, 'demo-runtime.yml', 'lab', { kfence: { slabs: { only: ['kmalloc-64'] } } });
    const state = join(dir, 'state');
    const run = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string; argvHits: string[]; samples: number }>((resolve) => {
        const child = spawn(process.execPath, [join(ROOT, 'bin', 'kfleet.js'), ...args], { env: { ...process.env, KFLEET_BECOME_PASSWORD: pw }, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        let err = '';
        const argvHits: string[] = [];
        let samples = 0;
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (err += d.toString()));
        const scan = () => {
          samples++;
          for (const pid of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
            try {
              const cmd = readFileSync(`/proc/${pid}/cmdline`, 'latin1');
              if (cmd.includes(pw)) argvHits.push(`${pid}: ${cmd.replace(/\0/g, ' ')}`);
            } catch {
              /* gone */
            }
          }
        };
        const timer = setInterval(scan, 25);
        child.on('close', (code) => {
          clearInterval(timer);
          resolve({ code, out, err, argvHits, samples });
        });
      });
    const seen = await witnessMark(lab);
    const a = await run(['apply', file, '-i', lab.inventoryPath, '--state-dir', state, '--yes', '--json']);
    await assertWitness(lab, seen, { exitCode: a.code, events: events(a.out), journal: { stateDir: state } }, { playbook: file });
    const r = results(a.out);
    assert.deepEqual([...r.values()].map((x) => x.status), ['changed', 'changed'], a.out + a.err);
    assert.ok(lab.hosts.every((h) => h.audit.some((e) => e.kind === 'write' && e.user === 'root')), 'writes happened as root through sudo');
    const b = await run(['report', '-i', lab.inventoryPath, '--state-dir', state, '--json']);
    assert.equal(b.code, 0, b.out + b.err);
    const c = await run(['status', '-i', lab.inventoryPath, '--json']);
    assert.equal(c.code, 0, c.out + c.err);
    for (const x of [a, b, c]) {
      assert.ok(x.samples > 3, 'the argv scan ran while the CLI did');
      assert.deepEqual(x.argvHits, []);
      assert.ok(!x.out.includes(pw) && !x.err.includes(pw), 'password in output');
    }
    // every file kfleet wrote (journal, lock, cursors, logs), and the lab's own directory
    const files: string[] = [];
    const walk = (d: string) => {
      for (const n of readdirSync(d)) {
        const p = join(d, n);
        const st = statSync(p);
        if (st.isDirectory()) walk(p);
        else if (st.isFile()) files.push(p);
      }
    };
    walk(dir);
    assert.ok(files.some((f) => f.includes('state') && f.endsWith('.ndjson')) || files.filter((f) => f.startsWith(state)).length > 1, `kfleet wrote state: ${files.join(' ')}`);
    for (const f of files) assert.ok(!readFileSync(f, 'latin1').includes(pw), `password in ${f}`);
    // a wrong password fails as BECOME_FAILED, without echoing it
    const wrong = 'not-the-Pw-771';
    const child = await new Promise<string>((resolve) => {
      const p = spawn(process.execPath, [join(ROOT, 'bin', 'kfleet.js'), 'status', '-i', lab.inventoryPath, '--json'], { env: { ...process.env, KFLEET_BECOME_PASSWORD: wrong } });
      let o = '';
      p.stdout.on('data', (d: Buffer) => (o += d.toString()));
      p.stderr.on('data', (d: Buffer) => (o += d.toString()));
      p.on('close', () => resolve(o));
    });
    assert.match(child, /BECOME_FAILED/);
    assert.ok(!child.includes(wrong));
  });
});
