// Everything the VMs need, built idempotently into test/vm/.cache (see setup.mts).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ASSETS_JSON, CACHE, KMOD_NAME, type VmAssets } from '../paths.js';
import { ensureHostPackages } from './host-packages.js';
import { ensureKernel } from './kernel.js';
import { ensureKmod } from './kmod.js';
import { ensureClientKey } from './keys.js';
import { ensureInitramfs } from './initramfs.js';

export async function ensureVmAssets(log: (s: string) => void = () => {}): Promise<VmAssets> {
  mkdirSync(CACHE, { recursive: true });
  await ensureHostPackages(log);
  const kernel = await ensureKernel(log);
  const kmod = await ensureKmod(kernel, log);
  const client = await ensureClientKey();
  const baseInitramfs = await ensureInitramfs(kernel, kmod.guest, client.pub, log);
  const assets: VmAssets = {
    kernel,
    baseInitramfs,
    clientKey: client.key,
    clientPublicKey: client.pub,
    kmod: kmod.guest,
    kmodDebug: kmod.debug,
    guestKmod: join('/lib/modules', kernel.release, 'extra', `${KMOD_NAME}.ko`),
  };
  writeFileSync(ASSETS_JSON, JSON.stringify(assets, null, 2) + '\n');
  return assets;
}
