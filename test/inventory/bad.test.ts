import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/load.js';

const BAD = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/bad/inventories');
const expected = JSON.parse(readFileSync(path.join(BAD, 'expected.json'), 'utf8')) as Record<string, { file: string; line: number; col?: number; message: string }>;

describe('inventory: malformed inventories are InputErrors at the right place', () => {
  it('has at least 15 malformed fixtures', () => assert.ok(Object.keys(expected).length >= 15));
  for (const [name, want] of Object.entries(expected)) {
    it(name, async () => {
      const err = await loadInventory(path.join(BAD, name)).then(
        () => assert.fail('loaded without error'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof InputError, `not an InputError: ${String(err)}`);
      assert.equal(err.exitCode, 2);
      assert.equal(err.location?.file, path.join(BAD, want.file));
      assert.equal(err.location?.line, want.line);
      if (want.col !== undefined) assert.equal(err.location?.col, want.col);
      else assert.equal(err.location?.col, undefined);
      assert.match(err.message, new RegExp(want.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    });
  }
});
