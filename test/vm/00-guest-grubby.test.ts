// The guest's grubby-compatible command (guest/grubby), run on the host under busybox sh against
// a boot disk file: kfleet's boot-args code relies on real grubby's semantics (replace a key in
// place, remove by key name, the --info format), so the imitation must have them.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBootDisk, readBootDiskArgs } from './bootdisk.js';
import { GUEST_DIR } from './paths.js';

function grubby(disk: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile('busybox', ['sh', join(GUEST_DIR, 'grubby'), ...args], { env: { ...process.env, KFLEET_BOOTDISK: disk } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}

describe('guest grubby (host-side, busybox sh)', function () {
  let dir: string;
  let disk: string;
  beforeEach(function () {
    dir = mkdtempSync(join(tmpdir(), 'kfleet-grubby-'));
    disk = join(dir, 'bootdisk');
    createBootDisk(disk, 'root=/dev/ram0 ro quiet kfence.sample_interval=100 kfence.sample_interval=5');
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it('replaces a key in place (dropping its duplicates), appends new ones, keeps values with , : and -', async function () {
    const r = await grubby(disk, '--update-kernel=ALL', '--args=kfence.sample_interval=0 kfence.booting_max=0-2G:0,2G-32G:2M nokaslr');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readBootDiskArgs(disk), 'root=/dev/ram0 ro quiet kfence.sample_interval=0 kfence.booting_max=0-2G:0,2G-32G:2M nokaslr');
  });

  it('removes by key name whatever the value given, in the two-word option form too', async function () {
    const r = await grubby(disk, '--update-kernel', 'DEFAULT', '--remove-args', 'kfence.sample_interval=7 quiet');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(readBootDiskArgs(disk), 'root=/dev/ram0 ro');
  });

  it('prints --info in real grubby\'s format, root= taken out of args', async function () {
    const r = await grubby(disk, '--info=ALL');
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines[0], 'index=0');
    assert.match(lines[1] ?? '', /^kernel="\/boot\/vmlinuz-[^"]+"$/);
    assert.equal(lines[2], 'args="ro quiet kfence.sample_interval=100 kfence.sample_interval=5"');
    assert.equal(lines[3], 'root="/dev/ram0"');
    assert.match(lines[4] ?? '', /^initrd="\/boot\/initrd\.img-[^"]+"$/);
    assert.match(lines[5] ?? '', /^title="[^"]+"$/);
    assert.match(lines[6] ?? '', /^id="[^"]+"$/);
  });

  it('fails with exit 1 for an unknown kernel, an unknown option, or a disk without a boot record', async function () {
    const bad = await grubby(disk, '--info=/boot/vmlinuz-0.0.0');
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /The param \/boot\/vmlinuz-0\.0\.0 is incorrect/);
    assert.equal((await grubby(disk, '--frobnicate')).code, 1);
    const blank = join(dir, 'blank');
    createBootDisk(blank, '');
    assert.equal((await grubby(blank, '--info=ALL')).code, 0);
    assert.equal((await grubby(join(dir, 'missing'), '--info=ALL')).code, 1);
  });
});
