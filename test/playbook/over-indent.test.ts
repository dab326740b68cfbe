// Issue 18 point 9: an over-indented key is reported at its own line, saying how it is indented
// wrongly against the key above, instead of the parser's "Nested mappings are not allowed in
// compact mappings" at the line above.
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseYamlSource } from '../../src/playbook/source.js';
import { capture } from '../support/capture.js';

const problems = (text: string) => {
  const r = parseYamlSource(text, 'p.yml');
  assert.ok(!r.ok, 'expected problems');
  return r.problems.map((p) => ({ at: `${p.location.line}:${p.location.col}`, message: p.message, hint: p.hint }));
};

describe('playbook source: over-indented keys', () => {
  it('the issue example: one space too many under "mode: sampling"', () => {
    assert.deepEqual(problems('hosts: all\nkfence:\n  mode: sampling\n   sample_interval: 100\n  apply: both\n'), [
      {
        at: '4:1',
        message: '"sample_interval:" is indented 3 spaces, 1 more than "mode:" on line 3 above it, so YAML reads it as part of the value of "mode"',
        hint: 'remove 1 space at the start of line 4 so "sample_interval:" starts in the same column as "mode:"',
      },
    ]);
  });

  it('several over-indented lines in a row, a comment and a blank line between, a list item', () => {
    assert.deepEqual(problems('hosts: all\nkfence:\n  mode: sampling   # live\n\n  # the interval\n      sample_interval: 100\n      apply: both\n').map((p) => [p.at, p.hint]), [
      ['6:1', 'remove 4 spaces at the start of line 6 so "sample_interval:" starts in the same column as "mode:"'],
    ]);
    assert.deepEqual(problems('- name: one\n   hosts: all\n  kfence: {mode: off}\n').map((p) => [p.at, p.message]), [
      ['2:1', '"hosts:" is indented 3 spaces, 1 more than "name:" on line 1 above it, so YAML reads it as part of the value of "name"'],
    ]);
  });

  it('leaves other indentation errors and a correctly nested mapping alone', () => {
    assert.deepEqual(problems('hosts: all\nkfence:\n  mode:\n    - a\n   sample_interval: 100\n').map((p) => p.message), ['YAML: All mapping items must start at the same column']);
    assert.ok(parseYamlSource('hosts: all\nkfence:\n  mode:\n    sample_interval: 100\n', 'p.yml').ok);
  });

  it('kfleet validate prints it at file:line:1 and exits 2', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kfleet-indent-'));
    try {
      const file = path.join(dir, 'play.yml');
      writeFileSync(file, 'hosts: all\nkfence:\n  mode: sampling\n   sample_interval: 100\n');
      const r = await capture(['validate', file]);
      assert.equal(r.code, 2);
      assert.equal(r.err.split('\n')[0], `${file}:4:1  "sample_interval:" is indented 3 spaces, 1 more than "mode:" on line 3 above it, so YAML reads it as part of the value of "mode"`);
      assert.doesNotMatch(r.err, /compact mappings/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
