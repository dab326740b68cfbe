// No VM outlives the test process, however it ends: killed outright (SIGKILL: the sh guard sees
// the pipe close and kills QEMU) or terminated (SIGTERM: the supervisor's handler kills the group).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { VM_DIR } from './paths.js';

function alive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

function runChild(mode: 'kill' | 'term'): Promise<{ pgid: number; dir: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx/esm', join(VM_DIR, 'teardown-child.mts'), mode], (_err, stdout) => {
      const m = /^pgid (\d+) dir (\S+)$/m.exec(stdout);
      if (!m?.[1] || !m[2]) reject(new Error(`child printed no process group: ${stdout}`));
      else resolve({ pgid: Number(m[1]), dir: m[2] });
    });
  });
}

async function goneWithin(pgid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pgid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pgid);
}

describe('VM supervisor teardown', function () {
  for (const mode of ['kill', 'term'] as const) {
    it(`leaves no QEMU behind when the test process gets SIG${mode.toUpperCase()}`, async function () {
      const { pgid, dir } = await runChild(mode);
      try {
        assert.ok(pgid > 1);
        assert.ok(await goneWithin(pgid, 5000), `QEMU process group ${pgid} still alive`);
      } finally {
        if (alive(pgid)) process.kill(-pgid, 'SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
