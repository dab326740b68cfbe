// Part 1 of issue 9: every malformed input under test/fixtures/bad/, through kfleet's CLI
// (main(), in this process, against a running lab), ends in exit code 2, a message that names the
// file and line:col (or the host), and not one write on any lab host (the lab's audit trail).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BAD, ROOT, RUNTIME_PLAY, cli, testLab, writePlaybook, type TestLab } from './support.js';
import { assertWitness, eventsOf, witnessMark } from '../support/witness.js';

interface Want {
  /** file the message must name, relative to the case */
  file: string;
  line?: number;
  col?: number;
  /** the host the message names, for problems that belong to a host (not to a line) */
  host?: string;
  message: string;
}

type Kind = 'playbooks' | 'inventories' | 'host_vars' | 'group_vars' | 'plans';
const KINDS: Kind[] = ['playbooks', 'inventories', 'host_vars', 'group_vars', 'plans'];

function cases(kind: Kind): string[] {
  const dir = join(BAD, kind);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n !== 'expected.json' && !n.startsWith('.'))
    .sort();
}

function expected(kind: Kind): Record<string, Want> {
  const p = join(BAD, kind, 'expected.json');
  return existsSync(p) ? (JSON.parse(readFileSync(p, 'utf8')) as Record<string, Want>) : {};
}

const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('hardening: bad input corpus through the CLI (exit 2, file:line:col, zero writes)', function () {
  this.timeout(120_000);
  let lab: TestLab;
  let good: string;

  before(async () => {
    lab = await testLab({ hosts: 2, profile: 'upstream-6.12' });
    good = writePlaybook(lab.dir, 'good.yml', RUNTIME_PLAY);
  });
  after(async () => {
    await lab?.cleanup();
  });

  it('holds at least 100 cases', () => {
    const n = KINDS.reduce((a, k) => a + cases(k).length, 0);
    assert.ok(n >= 100, `only ${n} cases`);
  });

  it('the lab and the good playbook work (the witness is live)', async () => {
    const seenW = await witnessMark(lab);
    const r = await cli(['apply', good, ...lab.args(), '--check', '--yes', '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout);
    assert.equal(lab.writes().length, 0, 'a --check run writes nothing');
    await assertWitness(lab, seenW, { exitCode: r.code, events: eventsOf(r.stdout), stdout: r.stdout, journal: { stateDir: join(lab.dir, 'state') } }, { playbook: good });
  });

  function argsFor(kind: Kind, path: string): string[] {
    const labArgs = lab.args();
    switch (kind) {
      case 'playbooks':
      case 'plans':
        return ['apply', path, ...labArgs, '--yes'];
      case 'inventories':
      case 'host_vars':
      case 'group_vars':
        return ['apply', good, ...labArgs, '-i', path, '--yes'];
    }
  }

  for (const kind of KINDS) {
    const want = expected(kind);
    describe(kind, () => {
      for (const name of cases(kind)) {
        it(name, async () => {
          const path = join(BAD, kind, name);
          const before = lab.writes().length;
          const seenW = await witnessMark(lab);
          const r = await cli(argsFor(kind, path));
          const all = r.stderr + r.stdout;
          assert.equal(r.code, 2, `exit ${r.code}\n${all}`);
          assert.doesNotMatch(all, /internal error/);
          assert.deepEqual(lab.writes().slice(before), [], 'no lab host may be written');
          const w = want[name];
          const located = w?.file ? (kind === 'inventories' ? join(BAD, kind, w.file) : statSync(path).isDirectory() ? join(path, w.file) : path) : path;
          if (w?.host) {
            assert.match(all, new RegExp(`\\b${esc(w.host)}\\b`), `the message names host ${w.host}:\n${all}`);
          } else {
            // file:line:col, with the file as the user gave it (absolute here) or relative to cwd
            const names = [located, relative(ROOT, located)].map(esc).join('|');
            // INI inventories are located by line only (as Ansible reports them)
            const lc = w?.line !== undefined ? `:${w.line}${w.col !== undefined ? `:${w.col}` : '\\b'}` : ':\\d+:\\d+';
            assert.match(all, new RegExp(`(${names})${lc}`), `the message names ${relative(ROOT, located)}${lc}:\n${all}`);
          }
          if (w?.message) assert.match(all, new RegExp(esc(w.message)), all);
          await assertWitness(lab, seenW, { exitCode: r.code, stdout: r.stdout });
        });
      }
    });
  }
});
