// The boot unit script: deterministic text, and it really does what it says under /bin/sh.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootUnitScript, installUnit, sha256Hex } from '../../src/plan/boot-unit.js';

describe('boot unit script', () => {
  it('is deterministic and hashed as sha256 hex of its text', () => {
    const a = installUnit({ control: 'kfence_enable', kind: 'only', names: ['kmalloc-64'] });
    const b = installUnit({ control: 'kfence_enable', kind: 'only', names: ['kmalloc-64'] });
    assert.equal(a.script, b.script);
    assert.equal(a.hash, sha256Hex(a.script));
    assert.match(a.hash, /^[0-9a-f]{64}$/);
    assert.notEqual(installUnit({ control: 'kfence_enable', kind: 'only', names: ['dentry'] }).hash, a.hash);
    assert.ok(a.script.startsWith('#!/bin/sh\n'));
  });

  for (const shell of ['sh', 'bash']) {
    it(`applies the selection on a sysfs-like tree (${shell}), aliases and odd names included`, () => {
      const root = mkdtempSync(join(tmpdir(), 'kfleet-unit-'));
      try {
        const slab = join(root, 'sys/kernel/slab');
        for (const c of ['kmalloc-64', 'dentry', ":0000256", "we'ird name"]) {
          mkdirSync(join(slab, c), { recursive: true });
          writeFileSync(join(slab, c, 'kfence_enable'), '1\n');
        }
        symlinkSync(join(slab, ':0000256'), join(slab, 'kmalloc-256'));
        const script = bootUnitScript({ control: 'kfence_enable', kind: 'only', names: ['kmalloc-256', "we'ird name"] });
        const file = join(root, 'kfence-boot.sh');
        writeFileSync(file, script);
        execFileSync(shell, [file], { env: { ...process.env, KFLEET_SYSROOT: root } });
        const v = (c: string) => readFileSync(join(slab, c, 'kfence_enable'), 'utf8');
        assert.equal(v('kmalloc-64'), '0\n');
        assert.equal(v('dentry'), '0\n');
        assert.equal(v(':0000256'), '1\n');
        assert.equal(v("we'ird name"), '1\n');
        // A missing cache fails the unit (exit 1) but the others are still applied.
        const miss = bootUnitScript({ control: 'skip_kfence', kind: 'except', names: ['gone'] });
        for (const c of ['kmalloc-64', 'dentry']) writeFileSync(join(slab, c, 'skip_kfence'), '1\n');
        writeFileSync(file, miss);
        assert.throws(() => execFileSync(shell, [file], { env: { ...process.env, KFLEET_SYSROOT: root }, stdio: 'pipe' }), /no slab cache gone/);
        assert.equal(readFileSync(join(slab, 'dentry', 'skip_kfence'), 'utf8'), '0\n');
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    });
  }
});
