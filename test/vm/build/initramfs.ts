// The initramfs shared by every VM: static busybox (applets linked to it, never `busybox`
// itself), dropbear and a few Debian tools with their shared libraries (ldd), the virtio drivers
// decompressed from .ko.xz, the test module, the kernel's config, busybox init with an inittab
// that respawns dropbear, the grubby-compatible command, and root's authorized_keys.
// Per-VM files (host key, hostname, machine-id) go in a second archive: see vm-initrd.ts.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { $ } from 'zx';
import { CACHE, GUEST_DIR, KMOD_NAME, type KernelInfo } from '../paths.js';
import { hashFiles, hashOf, isFresh, writeStamp } from './stamp.js';

/**
 * Dynamically linked host binaries copied in with their libraries (over busybox applets of the
 * same name). As on Debian, root's login shell is bash and /bin/sh is dash: the lab's conformance
 * tables expect bash's error messages ("bash: echo: write error: ...").
 */
const HOST_BINARIES = ['/bin/bash', '/bin/dash', '/usr/sbin/dropbear', '/usr/bin/nohup', '/usr/bin/flock', '/usr/bin/getconf'];
/**
 * Host binaries put beside busybox's applets under another path (busybox's stay the default):
 * util-linux dmesg, for the wall-clock shapes SREs save (`dmesg -T`, `--time-format iso`).
 */
export const UTIL_LINUX_DMESG = '/opt/util-linux/dmesg';
const EXTRA_BINARIES: readonly (readonly [string, string])[] = [['/usr/bin/dmesg', UTIL_LINUX_DMESG]];
/** Drivers the guest loads at boot, in dependency order (rcS loads them by these names). */
export const GUEST_MODULES = ['failover', 'net_failover', 'virtio_net', 'virtio_blk'];
/**
 * pstore's RAM backend, where the kernel builds it as a module: rcS loads it (with its dependency
 * first) only when the command line carries ramoops.* parameters.
 */
export const PSTORE_MODULES = ['reed_solomon', 'ramoops'];

/** Packs a staging tree as a newc cpio whose files are owned by root. */
export async function packCpio(stage: string, out: string): Promise<void> {
  await $({ quiet: true, cwd: stage })`find . -mindepth 1 -print0 | LC_ALL=C sort -z | cpio --null -o -H newc -R 0:0 --quiet > ${out}`;
}

async function libsOf(bin: string): Promise<string[]> {
  const out = (await $({ quiet: true })`ldd ${bin}`).stdout;
  const libs: string[] = [];
  for (const line of out.split('\n')) {
    const m = /(\/\S+)\s+\(0x/.exec(line);
    if (m?.[1]) libs.push(m[1]);
  }
  return libs;
}

function put(stage: string, path: string, content: string, mode = 0o644): void {
  const p = join(stage, path);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, content);
  chmodSync(p, mode);
}

function copyIn(stage: string, from: string, to: string, mode?: number): void {
  const p = join(stage, to);
  mkdirSync(dirname(p), { recursive: true });
  // Never copy through an applet link: it points at the host's /bin/busybox.
  rmSync(p, { force: true });
  copyFileSync(from, p);
  if (mode !== undefined) chmodSync(p, mode);
}

export async function ensureInitramfs(kernel: KernelInfo, kmod: string, clientPub: string, log: (s: string) => void): Promise<string> {
  const out = join(CACHE, 'initramfs.cpio');
  const guestFiles = readdirSync(GUEST_DIR).sort().map((f) => join(GUEST_DIR, f));
  const stamp = hashOf([kernel.abi, clientPub, hashFiles([...guestFiles, kmod, '/bin/busybox', ...HOST_BINARIES, ...EXTRA_BINARIES.map(([f]) => f)])]);
  const stampFile = join(CACHE, 'initramfs.stamp');
  if (isFresh(stampFile, stamp, [out])) return out;
  log('building the initramfs');

  const stage = join(CACHE, 'initramfs');
  rmSync(stage, { recursive: true, force: true });
  for (const d of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc/dropbear', 'etc/init.d', 'proc', 'sys', 'dev', 'tmp', 'run', 'boot', 'var/log', 'mnt']) {
    mkdirSync(join(stage, d), { recursive: true });
  }
  chmodSync(join(stage, 'tmp'), 0o1777);

  // busybox: every applet is a link to it, except `busybox` itself (a link over the binary
  // makes every applet fail with ELOOP).
  copyIn(stage, '/bin/busybox', 'bin/busybox', 0o755);
  const applets = (await $({ quiet: true })`/bin/busybox --list-full`).stdout.split('\n').filter((a) => a && !a.endsWith('/busybox'));
  for (const a of applets) {
    const p = join(stage, a);
    if (!existsSync(p)) symlinkSync('/bin/busybox', p);
  }
  symlinkSync('/bin/busybox', join(stage, 'init'));

  for (const bin of HOST_BINARIES) {
    copyIn(stage, bin, bin, 0o755);
    for (const lib of await libsOf(bin)) if (!existsSync(join(stage, lib))) copyIn(stage, lib, lib, 0o755);
  }

  for (const [from, to] of EXTRA_BINARIES) {
    copyIn(stage, from, to, 0o755);
    for (const lib of await libsOf(from)) if (!existsSync(join(stage, lib))) copyIn(stage, lib, lib, 0o755);
  }

  rmSync(join(stage, 'bin/sh'), { force: true });
  symlinkSync('dash', join(stage, 'bin/sh'));

  const modDir = `lib/modules/${kernel.release}`;
  for (const m of GUEST_MODULES) {
    const found = (await $({ quiet: true })`find ${kernel.modules} -name ${m + '.ko.xz'}`).stdout.trim().split('\n')[0];
    if (!found) throw new Error(`module ${m}.ko.xz not found under ${kernel.modules}`);
    mkdirSync(join(stage, modDir, 'kernel'), { recursive: true });
    await $({ quiet: true })`xz -dc ${found} > ${join(stage, modDir, 'kernel', m + '.ko')}`;
  }
  for (const m of PSTORE_MODULES) {
    const found = (await $({ quiet: true })`find ${kernel.modules} -name ${m + '.ko.xz'}`).stdout.trim().split('\n')[0];
    if (found) await $({ quiet: true })`xz -dc ${found} > ${join(stage, modDir, 'kernel', m + '.ko')}`;
  }
  copyIn(stage, kmod, `${modDir}/extra/${KMOD_NAME}.ko`);
  copyIn(stage, kernel.config, `boot/config-${kernel.release}`);

  copyIn(stage, join(GUEST_DIR, 'rcS'), 'etc/init.d/rcS', 0o755);
  copyIn(stage, join(GUEST_DIR, 'inittab'), 'etc/inittab');
  copyIn(stage, join(GUEST_DIR, 'grubby'), 'sbin/grubby', 0o755);
  copyIn(stage, join(GUEST_DIR, 'os-release'), 'usr/lib/os-release');
  symlinkSync('../usr/lib/os-release', join(stage, 'etc/os-release'));
  put(stage, 'etc/passwd', 'root:x:0:0:root:/root:/bin/bash\n');
  put(stage, 'etc/group', 'root:x:0:\n');
  put(stage, 'etc/shells', '/bin/sh\n/bin/bash\n/bin/dash\n');
  put(stage, 'etc/hosts', '127.0.0.1\tlocalhost\n');
  put(stage, 'etc/profile', 'export PATH=/usr/sbin:/usr/bin:/sbin:/bin\n');
  put(stage, 'root/.ssh/authorized_keys', clientPub + '\n', 0o600);
  chmodSync(join(stage, 'root/.ssh'), 0o700);
  chmodSync(join(stage, 'root'), 0o700);
  // The kernel opens /dev/console for init before devtmpfs is mounted.
  await $({ quiet: true, nothrow: true })`mknod -m 600 ${join(stage, 'dev/console')} c 5 1`;

  await packCpio(stage, out);
  writeStamp(stampFile, stamp);
  return out;
}
