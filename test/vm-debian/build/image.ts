// The Debian 12 image of the tier, built once per content hash by build-image.sh (mmdebstrap,
// mke2fs -d, sfdisk, a first boot that installs GRUB) and cached in .cache/images/<hash>/.
// Inputs of the hash: the build script and guest files, both kernel packages, the mirrors and the
// client key. Kernels: the two newest linux-image-6.12.*+deb12-amd64-unsigned apt offers, the
// older one installed as the default and the newer one's .deb kept in the image for the
// kernel-update scenario; the choice is cached (KFLEET_VMD_KERNELS=latest resolves again).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { availableKernels } from '../../vm/build/kernel.js';
import { aptUpdate } from '../../vm/build/host-packages.js';
import { hashOf } from '../../vm/build/stamp.js';
import { BUILD_DIR, CACHE, GUEST_DIR, IMAGE_JSON, type DebianImage } from '../paths.js';

export const HOST_PACKAGES = ['mmdebstrap', 'qemu-system-x86', 'qemu-utils', 'fdisk', 'e2fsprogs', 'openssh-client'] as const;

/** deb lines for Debian's bookworm suites from this machine's apt sources (deb822 or one-line). */
export function debianMirrors(): string[] {
  const out: string[] = [];
  const dir = '/etc/apt/sources.list.d';
  const files = [...(existsSync('/etc/apt/sources.list') ? ['/etc/apt/sources.list'] : []), ...(existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.list') || f.endsWith('.sources')).map((f) => join(dir, f)) : [])];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    if (f.endsWith('.sources')) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (k: string): string => new RegExp(`^${k}:\\s*(.*)$`, 'mi').exec(stanza)?.[1]?.trim() ?? '';
        if (!/\bdeb\b/.test(field('Types')) || /^no$/i.test(field('Enabled'))) continue;
        for (const uri of field('URIs').split(/\s+/).filter(Boolean))
          for (const suite of field('Suites').split(/\s+/).filter((s) => s.startsWith('bookworm'))) out.push(`deb ${uri} ${suite} ${field('Components') || 'main'}`);
      }
    } else {
      for (const line of text.split('\n')) {
        const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(bookworm\S*)\s+(.*)$/.exec(line.trim());
        if (m) out.push(`deb ${m[1]} ${m[2]} ${m[3]}`);
      }
    }
  }
  if (out.length === 0) throw new Error('no Debian bookworm suite in /etc/apt/sources.list*: the image is built from Debian\'s archive');
  return out;
}

async function chooseKernels(): Promise<[string, string]> {
  const file = join(CACHE, 'kernels.json');
  if (existsSync(file) && process.env['KFLEET_VMD_KERNELS'] !== 'latest') return JSON.parse(readFileSync(file, 'utf8')) as [string, string];
  let offered = await availableKernels();
  if (offered.length < 2) {
    await aptUpdate();
    offered = await availableKernels();
  }
  if (offered.length < 2) throw new Error(`apt offers ${offered.length} linux-image-6.12.*+deb12-amd64-unsigned packages; the tier needs two (is bookworm-security in the apt sources?)`);
  const pick: [string, string] = [offered[1]!, offered[0]!];
  mkdirSync(CACHE, { recursive: true });
  writeFileSync(file, JSON.stringify(pick) + '\n');
  return pick;
}

async function ensureClientKey(): Promise<{ key: string; pub: string }> {
  const dir = join(CACHE, 'keys');
  const key = join(dir, 'client');
  if (!existsSync(key)) {
    mkdirSync(dir, { recursive: true });
    await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${''} -C kfleet-vm-debian -f ${key}`;
  }
  return { key, pub: `${key}.pub` };
}

/** The image's inputs and their content hash (the cache key). */
export async function imageInputs(): Promise<{ k1: string; k2: string; key: string; pub: string; mirrors: string[]; script: string; hash: string }> {
  const [k1, k2] = await chooseKernels();
  const { key, pub } = await ensureClientKey();
  const mirrors = debianMirrors();
  const script = join(BUILD_DIR, 'build-image.sh');
  const guestFiles = readdirSync(GUEST_DIR).sort().map((f) => join(GUEST_DIR, f));
  const hash = hashOf([readFileSync(script), ...guestFiles.flatMap((f) => [f.slice(GUEST_DIR.length), readFileSync(f)]), k1, k2, ...mirrors, readFileSync(pub)]).slice(0, 16);
  return { k1, k2, key, pub, mirrors, script, hash };
}

export async function ensureImage(log: (s: string) => void): Promise<DebianImage> {
  const { k1, k2, key, pub, mirrors, script, hash } = await imageInputs();
  const out = join(CACHE, 'images', hash);
  const disk = join(out, 'disk.raw');
  if (!existsSync(join(out, 'image.json')) || !existsSync(disk)) {
    const pkg = (abi: string): string => `linux-image-${abi}-amd64-unsigned`;
    log(`building the Debian 12 image ${hash} (${pkg(k1)} default, ${pkg(k2)} kept for the update scenario); several minutes under TCG`);
    const tmp = `${out}.building`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await $({ quiet: false, verbose: false })`nice -n 10 ${script} ${tmp} ${pkg(k1)} ${pkg(k2)} ${pub} ${mirrors}`.pipe(process.stderr);
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
  }
  const built = JSON.parse(readFileSync(join(out, 'image.json'), 'utf8')) as { defaultKernel: string; secondKernelDeb: string; seconds: Record<string, number> };
  const image: DebianImage = {
    disk,
    clientKey: key,
    clientPublicKey: pub,
    defaultKernel: built.defaultKernel,
    secondKernelDeb: built.secondKernelDeb,
    secondKernel: `${k2}-amd64`,
    hash,
    seconds: built.seconds,
  };
  writeFileSync(IMAGE_JSON, JSON.stringify(image, null, 2) + '\n');
  return image;
}
