import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { shq, shjoin } from '../../src/shell-quote.js';

const nasty = [
  '',
  'plain',
  "it's",
  '$(touch /tmp/kfleet-pwned)',
  '`id`',
  'a b\tc\nd',
  '"double"',
  "''",
  '\\',
  '-rf',
  '*',
  '; rm -rf /',
  'é ü 中文',
];

describe('shq', () => {
  it('leaves safe words alone and quotes everything else', () => {
    assert.equal(shq('kmalloc-64'), 'kmalloc-64');
    assert.equal(shq('/sys/module/kfence/parameters/sample_interval'), '/sys/module/kfence/parameters/sample_interval');
    assert.equal(shq("it's"), `'it'\\''s'`);
    assert.equal(shq(''), "''");
  });

  for (const shell of ['sh', 'bash']) {
    it(`round-trips hostile values through ${shell}`, () => {
      const out = execFileSync(shell, ['-c', `printf '%s\\0' ${shjoin(nasty)}`]).toString('utf8');
      assert.deepEqual(out.split('\0').slice(0, -1), nasty);
    });
  }

  it('refuses NUL bytes', () => {
    assert.throws(() => shq('a\0b'));
  });
});
