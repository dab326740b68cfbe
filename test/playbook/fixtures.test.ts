// Every malformed playbook under test/fixtures/bad/playbooks/ must be refused with exactly the
// problems its header announces: one `# expect: LINE:COL message-substring` line per problem, in
// file order. The header lines are part of the file, so line numbers count them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { loadPlaybook } from '../../src/playbook/load.js';

const DIR = join(import.meta.dirname, '..', 'fixtures', 'bad', 'playbooks');

interface Expected {
  line: number;
  col: number;
  message: string;
}

function expectations(file: string): Expected[] {
  const head = readFileSync(file).toString('latin1').split('\n');
  const out: Expected[] = [];
  for (const l of head) {
    const m = /^# expect: (\d+):(\d+) (.+)$/.exec(l);
    if (!m) break;
    out.push({ line: Number(m[1]), col: Number(m[2]), message: m[3] ?? '' });
  }
  return out;
}

const files = readdirSync(DIR).filter((f) => f.endsWith('.yml')).sort();

describe('malformed playbooks (test/fixtures/bad/playbooks)', () => {
  it('has at least 40 fixtures, each with an expectation header', () => {
    assert.ok(files.length >= 40, `only ${files.length} fixtures`);
    for (const f of files) assert.ok(expectations(join(DIR, f)).length > 0, `${f} has no "# expect:" line`);
  });

  for (const f of files) {
    it(f, async () => {
      const path = join(DIR, f);
      const want = expectations(path);
      let err: unknown;
      try {
        await loadPlaybook(path);
      } catch (e) {
        err = e;
      }
      assert.ok(err instanceof InputError, `expected an InputError, got ${String(err)}`);
      const got = err.problems.map((p) => `${p.location.file}:${p.location.line}:${p.location.col}  ${p.message}`);
      assert.equal(got.length, want.length, `problems:\n${got.join('\n')}`);
      want.forEach((w, i) => {
        const p = err.problems[i];
        assert.ok(p);
        assert.equal(`${p.location.file}:${p.location.line}:${p.location.col}`, `${path}:${w.line}:${w.col}`, `problem ${i + 1}: ${got[i]}`);
        assert.ok(p.message.includes(w.message), `problem ${i + 1}: ${JSON.stringify(p.message)} does not contain ${JSON.stringify(w.message)}`);
        assert.equal(err.exitCode, 2);
      });
    });
  }
});
