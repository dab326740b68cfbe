// Where the Debian VM tier keeps its inputs and its cache (test/vm-debian/.cache is git-ignored).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VMD_DIR = dirname(fileURLToPath(import.meta.url));
export const CACHE = process.env['KFLEET_VMD_CACHE'] ?? join(VMD_DIR, '.cache');
export const BUILD_DIR = join(VMD_DIR, 'build');
export const GUEST_DIR = join(VMD_DIR, 'guest');
/** Written by setup when the image is ready; read by the fleet. */
export const IMAGE_JSON = join(CACHE, 'image.json');
/** The unprivileged user's sudo password (set in guest/setup-in-chroot.sh). Test-only. */
export const SRE_SUDO_PASSWORD = 'kfleet-sre-sudo';

export interface DebianImage {
  /** The base disk (raw; VMs run on qcow2 overlays of it). */
  disk: string;
  clientKey: string;
  clientPublicKey: string;
  /** `uname -r` of the kernel the image boots by default, e.g. 6.12.117+deb12-amd64. */
  defaultKernel: string;
  /** Path inside the guest of the second kernel's .deb (installed by a scenario). */
  secondKernelDeb: string;
  /** `uname -r` the second kernel will have. */
  secondKernel: string;
  /** The content hash the image was built for. */
  hash: string;
  /** Seconds the build took (mmdebstrap, disk, first boot with grub-install, total). */
  seconds: Record<string, number>;
}
