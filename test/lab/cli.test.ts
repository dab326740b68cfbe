// kfleet lab up --detach / status --json / inject / fault / down, through the real CLI.

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const kfleet = (...args: string[]) => run(process.execPath, ['--import', 'tsx/esm', 'src/cli/main.ts', ...args], { timeout: 60000 });

describe('kfleet lab (detached)', function () {
  this.timeout(90000);
  it('up --detach, status --json, inject, fault, down', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kfleet-lab-cli-'));
    const up = await kfleet('lab', 'up', '--mix', 'alinux-5.10.134-16:1,no-kfence:1', '--state-dir', dir, '--detach');
    assert.match(up.stdout, /lab of 2 hosts up/);
    try {
      const st = JSON.parse((await kfleet('lab', 'status', '--state-dir', dir, '--json')).stdout) as { hosts: { name: string; profile: string; bootCount: number; bootId: string }[] };
      assert.deepEqual(st.hosts.map((h) => [h.name, h.profile, h.bootCount]), [['lab-001', 'alinux-5.10.134-16', 1], ['lab-002', 'no-kfence', 1]]);
      assert.match((await kfleet('lab', 'inject', 'lab-001', 'invalid-free', '--state-dir', dir)).stdout, /lab-001: undetected/);
      assert.match((await kfleet('lab', 'fault', 'lab-002', 'drop-connections', '--state-dir', dir)).stdout, /faults drop-connections/);
      await assert.rejects(kfleet('lab', 'fault', 'lab-002', 'melt', '--state-dir', dir));
    } finally {
      await kfleet('lab', 'down', '--state-dir', dir);
    }
    for (let i = 0; i < 50 && existsSync(join(dir, 'control.sock')); i++) await new Promise((r) => setTimeout(r, 100));
    await assert.rejects(kfleet('lab', 'status', '--state-dir', dir));
  });
});
