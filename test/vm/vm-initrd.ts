// A VM's own initrd: the shared initramfs plus a second cpio with its persistent host key,
// hostname and machine-id (the kernel unpacks concatenated archives in order).
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, writeFileSync, chmodSync, appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CACHE } from './paths.js';
import { ensureHostKey } from './build/keys.js';
import { packCpio } from './build/initramfs.js';

export interface VmIdentity {
  /** OpenSSH public key line of the VM's host key ("ssh-ed25519 AAAA..."). */
  hostKey: string;
  initrd: string;
  machineId: string;
}

export async function buildVmInitrd(name: string, baseInitramfs: string, outDir: string): Promise<VmIdentity> {
  const keyDir = join(CACHE, 'vms', name);
  const { key, publicLine } = await ensureHostKey(keyDir);
  const machineId = createHash('sha256').update(`kfleet-vm:${name}`).digest('hex').slice(0, 32);
  const stage = join(outDir, `${name}.stage`);
  rmSync(stage, { recursive: true, force: true });
  mkdirSync(join(stage, 'etc/dropbear'), { recursive: true });
  copyFileSync(key, join(stage, 'etc/dropbear/dropbear_ed25519_host_key'));
  chmodSync(join(stage, 'etc/dropbear/dropbear_ed25519_host_key'), 0o600);
  writeFileSync(join(stage, 'etc/hostname'), `${name}\n`);
  writeFileSync(join(stage, 'etc/machine-id'), `${machineId}\n`);
  const own = join(outDir, `${name}.cpio`);
  await packCpio(stage, own);
  rmSync(stage, { recursive: true, force: true });
  const initrd = join(outDir, `${name}.initrd`);
  copyFileSync(baseInitramfs, initrd);
  appendFileSync(initrd, readFileSync(own));
  rmSync(own);
  return { hostKey: publicLine, initrd, machineId };
}
