// Where the VM tier keeps its inputs and its cache (test/vm/.cache is git-ignored).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const VM_DIR = dirname(fileURLToPath(import.meta.url));
export const CACHE = process.env['KFLEET_VM_CACHE'] ?? join(VM_DIR, '.cache');
export const GUEST_DIR = join(VM_DIR, 'guest');
export const KMOD_SRC = join(VM_DIR, '..', 'fixtures', 'kmod');
export const KMOD_NAME = 'kfleet_kfence_test';
/** Written by setup when every asset is ready; read by the fleet. */
export const ASSETS_JSON = join(CACHE, 'assets.json');

/** Debian's kernel that the VMs boot, as resolved and extracted by setup. */
export interface KernelInfo {
  /** Debian ABI name, e.g. "6.12.117+deb12". */
  abi: string;
  /** `uname -r` in the guest, e.g. "6.12.117+deb12-amd64". */
  release: string;
  /** The package's version, e.g. "6.12.117-1~deb12u1". */
  packageVersion: string;
  root: string;
  vmlinuz: string;
  headers: string;
  modules: string;
  config: string;
}

export interface VmAssets {
  kernel: KernelInfo;
  /** The initramfs shared by every VM (per-VM host keys are appended as a second archive). */
  baseInitramfs: string;
  clientKey: string;
  clientPublicKey: string;
  /** The test module built against the kernel's headers, stripped of debug info (inside the initramfs). */
  kmod: string;
  /** The same module unstripped (DWARF), kept on the controller for `report --symbolize`; its directory holds only it and its build. */
  kmodDebug: string;
  /** Path of the module inside the guest. */
  guestKmod: string;
}
