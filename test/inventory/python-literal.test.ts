import { strict as assert } from 'node:assert';
import { parsePythonLiteral } from '../../src/inventory/python-literal.js';
import { shlexSplit } from '../../src/inventory/shlex.js';

describe('inventory: INI value typing (ast.literal_eval)', () => {
  const cases: [string, unknown][] = [
    ['42', 42], ['-7', -7], ['+3', 3], ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['1_000', 1000],
    ['2.5', 2.5], ['1e3', 1000], ['.5', 0.5], ['5.', 5], ['True', true], ['False', false], ['None', null],
    ["'a b'", 'a b'], ['"x"\'y\'', 'xy'], ["r'\\n'", '\\n'], ["'\\n\\x41\\u00e9'", '\nAé'], ["b'raw'", 'raw'],
    ['[1, "a", 2.5]', [1, 'a', 2.5]], ['(1,2)', [1, 2]], ['(1)', 1], ['()', []], ["{'k': [1], 2: None}", { k: [1], 2: null }],
    ['{}', {}], ['[1,]', [1]], ['5 # comment', 5],
  ];
  for (const [src, want] of cases) it(`${src} -> ${JSON.stringify(want)}`, () => assert.deepEqual(parsePythonLiteral(src), want));

  const kept = ['yes', 'no', 'true', '01', '1j', '1+1', '--1', '-True', 'abc', '', 'a b', '[1,', "{'a'}x", "'x' b'y'", '1.2.3', 'e5', 'f"x"', 'set()'];
  for (const src of kept) it(`${JSON.stringify(src)} stays a string`, () => assert.equal(parsePythonLiteral(src), src));
});

describe('inventory: shlex split of host lines', () => {
  it('splits on whitespace, honours quotes and escapes, stops at #', () => {
    assert.deepEqual(shlexSplit(`h1 a=1 b="x y" c='q "r"' d=e\\ f g=h#comment`), ['h1', 'a=1', 'b=x y', 'c=q "r"', 'd=e f', 'g=h']);
    assert.deepEqual(shlexSplit(`h "a\\"b"`), ['h', 'a"b']);
    assert.deepEqual(shlexSplit(`h x=""`), ['h', 'x=']);
  });
  it('fails on an unclosed quote or a trailing backslash', () => {
    assert.throws(() => shlexSplit(`h x="abc`), /No closing quotation/);
    assert.throws(() => shlexSplit(`h x\\`), /No escaped character/);
  });
});
