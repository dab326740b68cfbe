import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/errors.js';
import { loadFactsDir, parseFactsJson } from '../../src/facts/load-fact-files.js';
import { FIXTURES } from './helpers.js';

describe('example facts loader', () => {
  it('loads every fixture as valid host facts', () => {
    const m = loadFactsDir(fileURLToPath(new URL('../fixtures/facts/', import.meta.url)));
    assert.deepEqual([...m.keys()].sort(), [...FIXTURES].sort());
    assert.equal(m.get('alinux-5.10.134-17-x86_64')?.slabs['kmalloc-64']?.objects, '1536 N0=768 N1=768');
  });
  it('rejects broken files with the file named', () => {
    assert.throws(() => parseFactsJson('{"schema":1}', 'x.json'), (e: unknown) => e instanceof InputError && e.problems.some((p) => /x\.json: host/.test(p.message)));
    assert.throws(() => parseFactsJson('nope', 'y.json'), /y\.json: not JSON/);
  });
});
