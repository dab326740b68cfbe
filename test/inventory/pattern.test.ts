import { strict as assert } from 'node:assert';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KfleetError } from '../../src/errors.js';
import { loadInventory } from '../../src/inventory/load.js';
import { fnmatchToRegExp, matchPattern, splitHostPattern } from '../../src/inventory/pattern.js';
import type { Inventory } from '../../src/inventory/types.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/inventories');

describe('inventory: host patterns', () => {
  let inv: Inventory;
  const names = (p: string, opts = {}) => matchPattern(inv, p, opts).map((h) => h.name);
  before(async () => {
    inv = await loadInventory(path.join(FIX, 'children/hosts.ini'));
  });

  it('splits like Ansible: commas first, else ":" outside brackets, addresses whole', () => {
    assert.deepEqual(splitHostPattern('a:b:&c:!d'), ['a', 'b', '&c', '!d']);
    assert.deepEqual(splitHostPattern('a:b, c[1:2] ,d'), ['a:b', 'c[1:2]', 'd']);
    assert.deepEqual(splitHostPattern('web[0:2]:db'), ['web[0:2]', 'db']);
    assert.deepEqual(splitHostPattern('10.0.0.1:22'), ['10.0.0.1:22']);
  });
  it('translates globs like fnmatch', () => {
    assert.ok(fnmatchToRegExp('web0[1-2]').test('web02'));
    assert.ok(fnmatchToRegExp('web0[!1]').test('web02'));
    assert.ok(!fnmatchToRegExp('web0[!1]').test('web01'));
    assert.ok(fnmatchToRegExp('a.b?').test('a.bc'));
    assert.ok(!fnmatchToRegExp('a.b').test('axb'));
    assert.ok(fnmatchToRegExp('x[').test('x['));
  });
  it('all and * list every host in inventory order', () => {
    assert.deepEqual(names('all'), inv.hosts.map((h) => h.name));
    assert.deepEqual(names('*'), names('all'));
  });
  it('a group includes its children; a host name is itself', () => {
    assert.deepEqual(names('web'), ['web01', 'web02', 'web03', 'canary01']);
    assert.deepEqual(names('prod'), ['web01', 'web02', 'web03', 'db01', 'db02', 'canary01']);
    assert.deepEqual(names('db02'), ['db02']);
  });
  it('union keeps first-seen order; intersection and exclusion apply after all unions', () => {
    assert.deepEqual(names('db:web01'), ['db01', 'db02', 'web01']);
    assert.deepEqual(names('!canary:web'), ['web01', 'web02', 'web03']);
    assert.deepEqual(names('prod:&alinux'), ['web01', 'db01', 'canary01']);
    assert.deepEqual(names('&alinux:prod:!db'), ['web01', 'canary01']);
    assert.deepEqual(names('!prod'), ['stg01', 'stg02']);
  });
  it('regex ~ is anchored at the start only; a glob matches groups and hosts', () => {
    assert.deepEqual(names('~db'), ['db01', 'db02']);
    assert.deepEqual(names('~eb'), []);
    assert.deepEqual(names('stg*'), ['stg01', 'stg02']);
  });
  it('subscripts: index, negative index, inclusive slice, open slice', () => {
    assert.deepEqual(names('web[0]'), ['web01']);
    assert.deepEqual(names('web[-1]'), ['canary01']);
    assert.deepEqual(names('web[1:2]'), ['web02', 'web03']);
    assert.deepEqual(names('web[2:]'), ['web03', 'canary01']);
    assert.deepEqual(names('web[7:9]'), []);
  });
  it('matching nothing is an empty list', () => {
    assert.deepEqual(names('nosuch'), []);
    assert.deepEqual(names('web:&staging:!web01'), []);
  });
  it('@file reads one pattern per line; --limit filters keeping the pattern order', () => {
    const read = (p: string) => (p === 'retry' ? 'db02\n\nweb01\n' : '');
    assert.deepEqual(names('@retry', { readFile: read }), ['db02', 'web01']);
    assert.deepEqual(names('prod', { limit: '@retry', readFile: read }), ['web01', 'db02']);
    assert.deepEqual(names('prod', { limit: 'upstream' }), ['web02', 'web03', 'db02']);
  });
  it('malformed patterns are KfleetErrors with a hint', () => {
    const bad = (p: string, re: RegExp) => {
      const e = (() => {
        try {
          matchPattern(inv, p, { readFile: () => { throw new Error('ENOENT'); } });
        } catch (x) {
          return x;
        }
        return undefined;
      })();
      assert.ok(e instanceof KfleetError, `${p} did not throw`);
      assert.match(e.message, re);
      assert.ok(e.hint);
    };
    bad('~web(', /Invalid host list pattern/);
    bad('web:!', /empty host pattern/);
    bad('web[9]', /No hosts matched the subscripted pattern/);
    bad('@missing.retry', /cannot read host pattern file/);
  });
});
