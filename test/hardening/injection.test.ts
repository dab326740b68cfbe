// Part 2 of issue 9 (first cut): shell syntax in inventory variables and host names never runs,
// on a lab host or on this machine. Each case points the real CLI (main()) at the lab with one
// hostile value; the canary file must not appear anywhere and no lab host may be written.
// (Playbook values - slab names, booting_max - are refused by the playbook schema: see the
// slab-path-chars, slab-dotdot and booting-max-* fixtures. Hand-edited plans: test/fixtures/bad/plans.)
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CANARY, RUNTIME_PLAY, cli, testLab, writePlaybook, type TestLab } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

const PAYLOADS = [`$(touch ${CANARY})`, `\`touch ${CANARY}\``, `x; touch ${CANARY}`, `x\ntouch ${CANARY}`, `-oProxyCommand=touch ${CANARY}`, `' "; touch ${CANARY}; echo '`];

describe('hardening: no injection through inventory values', function () {
  this.timeout(120_000);
  let lab: TestLab;
  let pb: string;
  before(async () => {
    rmSync(CANARY, { force: true });
    lab = await testLab({ hosts: 1, profile: 'upstream-6.12' });
    pb = writePlaybook(lab.dir, 'p.yml', RUNTIME_PLAY);
  });
  after(async () => {
    await lab?.cleanup();
  });

  const vars: Array<[string, (p: string) => string]> = [
    ['ansible_user', (p) => `ansible_user: ${JSON.stringify(p)}`],
    ['ansible_become_user', (p) => `ansible_become: true\nansible_become_user: ${JSON.stringify(p)}`],
    ['ansible_host', (p) => `ansible_host: ${JSON.stringify(p)}`],
    ['ansible_ssh_common_args', (p) => `ansible_ssh_common_args: ${JSON.stringify(`-o ProxyCommand="${p}"`)}`],
  ];
  for (const [name, yaml] of vars) {
    for (const [i, payload] of PAYLOADS.entries()) {
      it(`${name} #${i + 1}: ${JSON.stringify(payload).slice(0, 40)}`, async () => {
        const dir = join(lab.dir, `inv-${name}-${i}`);
        const { mkdirSync } = await import('node:fs');
        mkdirSync(join(dir, 'host_vars'), { recursive: true });
        writeFileSync(join(dir, 'hosts'), '[lab]\nlab-001\n');
        writeFileSync(join(dir, 'host_vars', 'lab-001.yml'), yaml(payload) + '\n');
        const before = lab.writes().length;
        const seenW = await witnessMark(lab);
        const r = await cli(['apply', pb, ...lab.args(), '-i', dir, '--yes']);
        assert.notEqual(r.code, 0, 'a hostile value cannot converge the host');
        assert.doesNotMatch(r.stderr, /internal error/);
        assert.deepEqual(await lab.canaryFound(), [], 'the canary must not appear');
        // become user: a sudo -u with a hostile name must never reach the host
        assert.deepEqual(lab.writes().slice(before), [], 'no lab host may be written');
        await assertWitness(lab, seenW, { exitCode: r.code, stdout: r.stdout, journal: { stateDir: join(lab.dir, 'state') } }, { playbook: pb });
      });
    }
  }
});
