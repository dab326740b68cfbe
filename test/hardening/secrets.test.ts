// Part 4 of issue 9: the sudo password and the key passphrase never appear in stdout, stderr,
// --json events, the state directory (journal, lock, runs), or any process's argument list while
// kfleet runs. The CLI is spawned as a user runs it, with the secrets in its environment.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { spawnCli, testLab, writePlaybook, type TestLab } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(dir);
  } catch {
    return out;
  }
  for (const n of names) {
    const p = join(dir, n);
    const s = statSync(p);
    if (s.isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

function cmdlines(): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      out.push(readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' '));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe('hardening: secrets never leak (events, output, journal, state, argv)', function () {
  this.timeout(120_000);
  let lab: TestLab;
  const password = 'S3cr3t-sudo-' + Math.random().toString(36).slice(2, 10);
  const passphrase = 'Pass-phrase-' + Math.random().toString(36).slice(2, 10);

  before(async () => {
    lab = await testLab({ hosts: 2, profile: 'upstream-6.12', become: 'sudo-password', sudoPassword: password });
    const enc = ssh2.utils.generateKeyPairSync('ed25519', { passphrase, cipher: 'aes256-ctr', rounds: 4 });
    // The lab accepts only its own client key: keep it, and add the encrypted key as an extra identity
    // that must be decrypted (and fail auth harmlessly) before the lab's key is tried.
    writeFileSync(join(lab.dir, 'enc_key'), enc.private, { mode: 0o600 });
  });
  after(async () => {
    await lab?.cleanup();
  });

  it('a become-password rollout with an encrypted extra key leaks neither secret', async () => {
    const pb = writePlaybook(lab.dir, 'p.yml', 'name: secrets\nhosts: lab\nkfence:\n  mode: sampling\n  sample_interval: 170\n  apply: runtime\nrollout:\n  phases: [1, "100%"]\n  soak: 1s\n');
    const seen: string[] = [];
    let timer: NodeJS.Timeout | undefined;
    const seenW = await witnessMark(lab);
    const r = await spawnCli(['apply', pb, ...lab.args(), '--private-key', join(lab.dir, 'enc_key'), '--yes', '--json'], {
      env: { KFLEET_BECOME_PASSWORD: password, KFLEET_KEY_PASSPHRASE: passphrase },
      onSpawn: () => {
        const sample = () => {
          seen.push(...cmdlines().filter((c) => c.includes(password) || c.includes(passphrase)));
          timer = setTimeout(sample, 50);
        };
        sample();
      },
    });
    clearTimeout(timer);
    // the run must have used sudo with the password: the hosts were written
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.ok(lab.writes().some((w) => w.path.endsWith('sample_interval') && w.value === '170\n'), 'the rollout wrote through sudo');
    assert.ok(r.events.length > 5, 'events were streamed');
    for (const secret of [password, passphrase]) {
      assert.ok(!r.stdout.includes(secret), 'stdout/--json events');
      assert.ok(!r.stderr.includes(secret), 'stderr');
      for (const f of filesUnder(join(lab.dir, 'state'))) assert.ok(!readFileSync(f, 'latin1').includes(secret), `state file ${f}`);
    }
    assert.ok(filesUnder(join(lab.dir, 'state')).some((f) => f.endsWith('.ndjson') || f.includes('journal')), 'a journal was written and scanned');
    assert.deepEqual(seen, [], 'no process argument list carries a secret');
    await assertWitness(lab, seenW, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: join(lab.dir, 'state') } }, { playbook: pb });
  });

  it('a wrong sudo password fails the hosts without echoing it', async () => {
    const pb = writePlaybook(lab.dir, 'q.yml', 'name: secrets2\nhosts: lab\nkfence:\n  mode: sampling\n  sample_interval: 190\n  apply: runtime\nrollout:\n  phases: ["100%"]\n  soak: 0s\n');
    const wrong = 'Wr0ng-' + Math.random().toString(36).slice(2, 10);
    const seenW = await witnessMark(lab);
    const r = await spawnCli(['apply', pb, ...lab.args(), '--yes', '--json'], { env: { KFLEET_BECOME_PASSWORD: wrong } });
    assert.notEqual(r.code, 0);
    assert.match(r.stdout + r.stderr, /BECOME_FAILED|sudo/i);
    for (const f of filesUnder(join(lab.dir, 'state'))) assert.ok(!readFileSync(f, 'latin1').includes(wrong), `state file ${f}`);
    assert.ok(!(r.stdout + r.stderr).includes(wrong));
    await assertWitness(lab, seenW, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: join(lab.dir, 'state') } }, { playbook: pb });
  });
});
