// Used by 05-teardown.test.ts: starts one VM, prints its QEMU process group, then dies the hard
// way (SIGKILL, so no exit handler runs). The guard in vm.ts must still take QEMU down.
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createBootDisk } from './bootdisk.js';
import { BASE_ARGS, DEFAULT_DISK_ARGS, loadAssets } from './fleet.js';
import { freePort } from './net.js';
import { Vm } from './vm.js';

const assets = loadAssets();
const dir = mkdtempSync(join(tmpdir(), 'kfleet-vm-teardown-'));
const bootDisk = join(dir, 'bootdisk');
createBootDisk(bootDisk, DEFAULT_DISK_ARGS);
const vm = new Vm({
  name: 'teardown',
  port: await freePort(),
  vmlinuz: assets.kernel.vmlinuz,
  initrd: assets.baseInitramfs,
  bootDisk,
  consoleLog: join(dir, 'console.log'),
  baseArgs: BASE_ARGS,
  memoryMb: 128,
  rebootDelayMs: 0,
});
vm.powerOn();
vm.on('start', () => undefined);
// Give sh time to start QEMU, then report the process group and die without cleanup.
setTimeout(() => {
  console.log(`pgid ${vm.processGroup ?? 'none'} dir ${dir}`);
  process.kill(process.pid, process.argv[2] === 'term' ? 'SIGTERM' : 'SIGKILL');
}, 700);
