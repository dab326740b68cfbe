// startDebianFleet(n): n VMs of the Debian image, each on a qcow2 overlay of the cached base
// disk and its own loopback SSH port, booted in parallel. The inventory logs in as `sre` (key)
// and becomes root with sudo and a password (KFLEET_BECOME_PASSWORD, as an SRE would pass it);
// the tests' own witness reads go in as root with the same key (ssh.ts of the busybox tier).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, releasePort } from '../vm/net.js';
import { pruneRuns } from '../vm/fleet.js';
import { CACHE, IMAGE_JSON, type DebianImage } from './paths.js';
import { DebVm } from './vm.js';

export interface DebianFleet {
  vms: DebVm[];
  image: DebianImage;
  inventoryPath: string;
  knownHostsPath: string;
  clientKeyPath: string;
  runDir: string;
  /** Milliseconds from QEMU start to the SSH banner (through SeaBIOS, GRUB, the kernel, systemd). */
  bootMs: Record<string, number>;
  stop(): Promise<void>;
}

export function loadImage(): DebianImage {
  if (!existsSync(IMAGE_JSON)) throw new Error('the Debian image is missing: run `npx tsx test/vm-debian/setup.mts` first (npm run test:vm-debian does)');
  const img = JSON.parse(readFileSync(IMAGE_JSON, 'utf8')) as DebianImage;
  if (!existsSync(img.disk)) throw new Error(`${img.disk} is missing: run \`npx tsx test/vm-debian/setup.mts\``);
  return img;
}

export async function startDebianFleet(n: number, opts: { memoryMb?: number; bootTimeoutMs?: number } = {}): Promise<DebianFleet> {
  const image = loadImage();
  const runs = join(CACHE, 'run');
  pruneRuns(runs, 3);
  const runDir = join(runs, `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.pid}`);
  mkdirSync(runDir, { recursive: true });
  const vms: DebVm[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(vms.map((vm) => vm.stop()));
    for (const vm of vms) {
      releasePort(vm.port);
      rmSync(vm.config.disk, { force: true });
    }
  };
  const bootMs: Record<string, number> = {};
  try {
    for (let i = 0; i < n; i++) {
      const name = `deb${i}`;
      const disk = join(runDir, `${name}.qcow2`);
      execFileSync('qemu-img', ['create', '-q', '-f', 'qcow2', '-b', image.disk, '-F', 'raw', disk]);
      vms.push(new DebVm({ name, port: await freePort(), disk, consoleLog: join(runDir, `${name}.console.log`), memoryMb: opts.memoryMb ?? 1024 }));
    }
    for (const vm of vms) vm.powerOn();
    await Promise.all(vms.map(async (vm) => (bootMs[vm.name] = await vm.waitForSsh(opts.bootTimeoutMs ?? 420_000))));
  } catch (e) {
    await stop();
    throw e;
  }
  // Every VM of the image has the image's host key; take it from the first VM's sshd.
  const knownHostsPath = join(runDir, 'known_hosts');
  const lines = vms.map((vm) => execFileSync('ssh-keyscan', ['-T', '20', '-t', 'ed25519', '-p', String(vm.port), '127.0.0.1'], { encoding: 'utf8' }).trim());
  writeFileSync(knownHostsPath, lines.join('\n') + '\n');
  const inventoryPath = join(runDir, 'inventory.ini');
  writeFileSync(
    inventoryPath,
    ['# Debian VMs (test/vm-debian/fleet.ts): sre logs in with a key and becomes root with sudo and its password', '[debian]',
      ...vms.map((vm) => `${vm.name} ansible_host=127.0.0.1 ansible_port=${vm.port} ansible_user=sre ansible_become=true ansible_ssh_private_key_file=${image.clientKey}`)].join('\n') + '\n',
  );
  return { vms, image, inventoryPath, knownHostsPath, clientKeyPath: image.clientKey, runDir, bootMs, stop };
}
