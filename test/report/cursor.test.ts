import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initialCursor, kernelLogCommand, readNewKernelLog } from '../../src/report/cursor.js';
import { fixture } from './fixtures.js';

const BOOT = '0b1c2d3e-4f50-4617-8899-aabbccddeeff';
const OTHER = 'ffeeddcc-bbaa-4988-9716-f504e3d2c1b0';

describe('report/cursor', () => {
  const log = fixture('mixed-interleaved.txt');
  const lines = log.trimEnd().split('\n');

  it('first read returns everything and a cursor at the last line', () => {
    const r = readNewKernelLog(log, BOOT, null);
    assert.equal(r.reset, true);
    assert.equal(r.reports.length, 2);
    assert.equal(r.status.length, 6);
    assert.deepEqual(r.cursor, { boot_id: BOOT, ts: 411, n_at_ts: 1 });
    assert.equal(r.lines_read, lines.length);
  });

  it('re-reading the same log yields nothing new; appended lines only are processed', () => {
    const first = readNewKernelLog(log, BOOT, null);
    const again = readNewKernelLog(log, BOOT, first.cursor);
    assert.equal(again.reset, false);
    assert.deepEqual([again.reports.length, again.status.length, again.lines_read], [0, 0, 0]);
    const more = `${log}${fixture('alinux-invalid-read.txt')}`;
    const next = readNewKernelLog(more, BOOT, first.cursor);
    assert.equal(next.reports.length, 1);
    assert.equal(next.reports[0]?.kind, 'invalid-access');
    assert.equal(next.lines_read, fixture('alinux-invalid-read.txt').trimEnd().split('\n').length);
  });

  it('lines sharing the cursor timestamp are counted, not dropped or repeated', () => {
    const a = '[   10.000000] kfence: disabled\n[   10.000000] kfence: re-enabled\n';
    const first = readNewKernelLog(a, BOOT, null);
    assert.deepEqual(first.cursor, { boot_id: BOOT, ts: 10, n_at_ts: 2 });
    const b = `${a}[   10.000000] kfence: disabled\n`;
    const second = readNewKernelLog(b, BOOT, first.cursor);
    assert.deepEqual(second.status.map((s) => s.kind), ['disabled']);
    assert.deepEqual(second.cursor, { boot_id: BOOT, ts: 10, n_at_ts: 3 });
  });

  it('a new boot id discards the cursor', () => {
    const first = readNewKernelLog(log, BOOT, null);
    const r = readNewKernelLog(fixture('alinux-uaf-read.txt'), OTHER, first.cursor);
    assert.equal(r.reset, true);
    assert.equal(r.reports.length, 1);
    assert.equal(r.cursor.boot_id, OTHER);
  });

  it('a report still being printed is held back, then read whole', () => {
    const full = fixture('alinux-oob-write-right.txt');
    const cut = full.split('\n').slice(0, 14).join('\n') + '\n';
    const prefix = '[  100.000000] eth0: link up\n';
    const r1 = readNewKernelLog(prefix + cut, BOOT, null);
    assert.equal(r1.reports.length, 0);
    assert.equal(r1.held_back, true);
    assert.deepEqual(r1.cursor, { boot_id: BOOT, ts: 100, n_at_ts: 1 });
    const r2 = readNewKernelLog(prefix + full, BOOT, r1.cursor);
    assert.equal(r2.reports.length, 1);
    assert.equal(r2.reports[0]?.truncated, false);
    const final = readNewKernelLog(prefix + cut, BOOT, null, { final: true });
    assert.equal(final.reports.length, 1);
    assert.equal(final.reports[0]?.truncated, true);
  });

  it('a log without timestamps is read whole each time', () => {
    const j = fixture('journal-alinux-invalid-write.txt');
    const r1 = readNewKernelLog(j, BOOT, null);
    const r2 = readNewKernelLog(j, BOOT, r1.cursor);
    assert.equal(r1.reports.length, 1);
    assert.equal(r2.reports.length, 1);
    assert.equal(r2.cursor.ts, -1);
  });

  it('kernelLogCommand filters remotely from the cursor timestamp (run with a fake dmesg)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-dmesg-'));
    try {
      writeFileSync(join(dir, 'log'), log);
      writeFileSync(join(dir, 'dmesg'), `#!/bin/sh\ncat '${join(dir, 'log')}'\n`);
      chmodSync(join(dir, 'dmesg'), 0o755);
      const run = (cmd: string): string => execFileSync('sh', ['-c', cmd], { env: { ...process.env, PATH: `${dir}:${process.env['PATH'] ?? ''}` }, encoding: 'utf8' });
      assert.equal(run(kernelLogCommand(null)), log);
      const out = run(kernelLogCommand({ boot_id: BOOT, ts: 300.2, n_at_ts: 1 }));
      assert.ok(out.startsWith('[  300.200000] kfence: freed'), out.slice(0, 80));
      const r = readNewKernelLog(out, BOOT, { boot_id: BOOT, ts: 300.2, n_at_ts: 1 });
      assert.deepEqual(r.status.map((s) => s.kind), ['failure', 'initialized', 're-enabled']);
      assert.equal(r.reports.length, 1);
      assert.equal(run(kernelLogCommand({ boot_id: BOOT, ts: 99999, n_at_ts: 0 })), '');
      assert.match(kernelLogCommand(initialCursor(BOOT), 'journal'), /^\{ journalctl -k -b -o short-monotonic/);
      // An unreadable log says so instead of looking empty.
      writeFileSync(join(dir, 'dmesg'), `#!/bin/sh\necho 'dmesg: read kernel buffer failed: Operation not permitted' >&2\nexit 1\n`);
      assert.equal(run(kernelLogCommand(null)), '@@kfleet-unreadable\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
