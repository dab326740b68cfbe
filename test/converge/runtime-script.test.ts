import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RuntimeStep } from '../../src/plan/types.js';
import { buildRuntimeScript, expectationMatches, parseRuntimeOutput } from '../../src/converge/runtime-script.js';

const P = '/sys/module/kfence/parameters';
const write = (name: string, value: string, expect: RuntimeStep & { op: 'write' } extends { expect: infer E } ? E : never): RuntimeStep => ({
  op: 'write', path: `${P}/${name}`, value, expect, knob: name, why: 'test',
});

/** Runs the script with every /sys/ path moved under a temp root (plain files stand in for sysfs). */
function runIn(shell: string, steps: RuntimeStep[], setup: (root: string) => void): { out: string; code: number; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'kfleet-rt-'));
  mkdirSync(join(root, P), { recursive: true });
  setup(root);
  const script = buildRuntimeScript(steps).replaceAll("/sys/", `${root}/sys/`);
  try {
    return { out: execFileSync(shell, ['-c', script], { encoding: 'utf8' }), code: 0, root };
  } catch (e) {
    const err = e as { stdout: string; status: number };
    return { out: err.stdout, code: err.status, root };
  }
}

describe('runtime script', () => {
  for (const shell of ['sh', 'bash']) {
    it(`writes in order and reads each value back (${shell})`, () => {
      const steps = [write('sample_interval', '0', { equals: '0' }), write('num_objects', '1000', { int_at_least: 1000 }), write('sample_interval', '100', { equals: '100' })];
      const { out, code, root } = runIn(shell, steps, () => {});
      assert.equal(code, 0);
      const r = parseRuntimeOutput(steps, out);
      assert.deepEqual(r.map((s) => [s.index, s.ok, s.readback]), [[0, true, '0'], [1, true, '1000'], [2, true, '100']]);
      assert.equal(readFileSync(join(root, P, 'sample_interval'), 'utf8'), '100\n');
    });

    it(`stops at a rejected write and reports the error (${shell})`, () => {
      const steps = [write('pool_mode', 'node', { equals: 'node' }), write('sample_interval', '-1', { equals: '-1' })];
      const { out, code, root } = runIn(shell, steps, (root) => mkdirSync(join(root, P, 'pool_mode'))); // a directory: the write fails
      assert.equal(code, 10);
      const r = parseRuntimeOutput(steps, out);
      assert.equal(r.length, 1);
      assert.equal(r[0]!.ok, false);
      assert.notEqual(r[0]!.rc, 0);
      assert.match(r[0]!.error ?? '', /directory/i);
      assert.throws(() => readFileSync(join(root, P, 'sample_interval')), /ENOENT/, 'nothing after the failed step is written');
    });

    it(`treats a write that reads back differently as failed (${shell})`, () => {
      // The file is a symlink to /dev/null: the write succeeds but nothing reads back, like
      // Alinux's silently failed enable.
      const steps = [write('sample_interval', '100', { equals: '100' })];
      const { out, code } = runIn(shell, steps, (root) => {
        execFileSync('ln', ['-s', '/dev/null', join(root, P, 'sample_interval')]);
      });
      assert.equal(code, 10);
      const [r] = parseRuntimeOutput(steps, out);
      assert.equal(r!.ok, false);
      assert.equal(r!.rc, 0);
      assert.equal(r!.readback, '');
    });
  }

  it('refuses unsafe paths and values before anything runs', () => {
    assert.throws(() => buildRuntimeScript([{ ...write('x', '1', { equals: '1' }), path: '/etc/passwd' } as RuntimeStep]), /PLAN_UNSAFE|not a sysfs/);
    assert.throws(() => buildRuntimeScript([write('x', '1; reboot', { equals: '1' })]), /not a kernel parameter value/);
    assert.throws(() => buildRuntimeScript([write('x', '$(id)', { equals: '1' })]), /not a kernel parameter value/);
  });

  it('matches expectations like the remote test does', () => {
    assert.equal(expectationMatches({ int_at_least: 131071 }, '262142'), true);
    assert.equal(expectationMatches({ int_at_least: 131071 }, '255'), false);
    assert.equal(expectationMatches({ one_of: ['1', 'Y'] }, 'Y'), true);
    assert.equal(expectationMatches({ equals: '0' }, null), false);
  });
});
