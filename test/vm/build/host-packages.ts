// Debian packages the VM tier needs on the host; installs the missing ones with apt-get.
import { $ } from 'zx';

/** The tier's host packages (the kernel's headers are extracted into the cache, not installed). */
export const HOST_PACKAGES = [
  'qemu-system-x86',
  'busybox-static',
  'dropbear-bin',
  'cpio',
  'xz-utils',
  'kmod',
  'make',
  'gcc-12',
  'libc6-dev',
  'dwarves', // pahole: kbuild generates BTF for modules when the headers carry vmlinux
  'openssh-client',
  'util-linux',
] as const;

async function installed(pkg: string): Promise<boolean> {
  const r = await $({ nothrow: true, quiet: true })`dpkg-query -W -f=${'${Status}'} ${pkg}`;
  return r.exitCode === 0 && r.stdout.includes('install ok installed');
}

let updated = false;
/** `apt-get update`, at most once per process. */
export async function aptUpdate(): Promise<void> {
  if (updated) return;
  await $({ quiet: true })`apt-get update`;
  updated = true;
}

export async function ensureHostPackages(log: (s: string) => void): Promise<void> {
  await ensurePackages(HOST_PACKAGES, log);
}

/** apt-get install the packages of `pkgs` that are not installed (as root). */
export async function ensurePackages(pkgs: readonly string[], log: (s: string) => void): Promise<void> {
  const missing: string[] = [];
  for (const p of pkgs) if (!(await installed(p))) missing.push(p);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) throw new Error(`missing Debian packages ${missing.join(' ')}; run as root or: apt-get install ${missing.join(' ')}`);
  log(`apt-get install ${missing.join(' ')}`);
  await aptUpdate();
  await $({ quiet: true, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })`apt-get -o DPkg::Lock::Timeout=600 install -y --no-install-recommends ${missing}`;
}
