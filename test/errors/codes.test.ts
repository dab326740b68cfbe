// The closed list of error codes (src/error-codes.ts): every code the source throws, refuses with
// or reports is in it; codes where the user must act carry a hint (checked by the compiler: see the
// expected type errors below); the README's exit-code table says what EXIT says; one renderer words them.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, EXIT, KfleetError, isErrorCode } from '../../src/errors.js';
import { renderError, formatErrorInfo } from '../../src/cli/report-error.js';
import { TRANSPORT_CODES } from '../../src/transport/types.js';
import { ROOT } from '../e2e/support.js';

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? (n === 'lab' ? [] : files(p)) : p.endsWith('.ts') ? [p] : [];
  });
}

/** Code literals where a code is given: new XError('C', errOf(e, 'C'), failWith('C', fail('C', code: 'C'. */
const USES = [/\b(?:KfleetError|TransportError|FactsError)\(\s*'([A-Z][A-Z0-9_]+)'/g, /\b(?:errOf\([^,()]*,|failWith\(|fail\()\s*'([A-Z][A-Z0-9_]+)'/g, /\bcode: '([A-Z][A-Z0-9_]+)'/g];
/** Node errno codes a file read is tagged with (not kfleet's). */
const ERRNO = new Set(['EISDIR', 'ENOENT', 'EACCES']);

describe('error codes: a closed list per area', () => {
  it('every code used in src/ (outside the lab) is in the list', () => {
    const unknown: string[] = [];
    for (const f of files(join(ROOT, 'src'))) {
      const text = readFileSync(f, 'utf8');
      for (const re of USES) for (const m of text.matchAll(re)) if (!isErrorCode(m[1]!) && !ERRNO.has(m[1]!)) unknown.push(`${f.slice(ROOT.length + 1)}: ${m[1]}`);
    }
    assert.deepEqual(unknown, [], 'add these to src/error-codes.ts (the area they belong to, with their exit code)');
  });

  it('transport codes are all listed, with their exit codes', () => {
    for (const c of TRANSPORT_CODES) assert.ok(isErrorCode(c), c);
    assert.equal(ERROR_CODES.CONFIG_INVALID, EXIT.INPUT);
  });

  it('the exit code comes from the table; a hint is required where the user must act', () => {
    assert.equal(new KfleetError('PATTERN_INVALID', 'x', { hint: 'h' }).exitCode, EXIT.INPUT);
    assert.equal(new KfleetError('LOCKED', 'x', { hint: 'h' }).exitCode, EXIT.LOCKED);
    assert.equal(new KfleetError('APPLY_FAILED', 'x').exitCode, EXIT.FAILED);
    // @ts-expect-error USAGE is an input error: the user must act, so a hint is required.
    assert.ok(new KfleetError('USAGE', 'no hint'));
    // @ts-expect-error not a code kfleet has.
    assert.ok(new KfleetError('SOMETHING_NEW', 'x'));
  });

  it("the README's exit-code table is EXIT", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Exit codes'));
    const rows = [...section.slice(0, section.indexOf('\n## ') > 0 ? section.indexOf('\n## ') : undefined).matchAll(/^\| (\d+) \| (.+) \|$/gm)].map((m) => Number(m[1]));
    assert.deepEqual(rows, Object.values(EXIT).sort((a, b) => a - b));
    // Every code's exit code has a row.
    for (const [code, exit] of Object.entries(ERROR_CODES)) assert.ok(rows.includes(exit), `${code} -> ${exit}`);
  });

  it('one renderer: a thrown error and an error in an event are worded alike', () => {
    const e = new KfleetError('NO_GRUBBY', 'grubby is missing', { hint: 'install grubby', location: { host: 'web-1' } });
    let out = '';
    const code = renderError(e, { write: (s: string) => ((out += s), true) } as unknown as NodeJS.WritableStream);
    assert.equal(code, EXIT.REFUSED);
    assert.ok(out.includes(formatErrorInfo(e, { location: 'web-1' })), out);
    assert.match(out, /hint: install grubby/);
  });
});
