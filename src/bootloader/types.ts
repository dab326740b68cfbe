// How a host sets its kernel command line (the bootloader port's facts). Probed once with the
// other facts (src/facts/probe.ts), planned for by src/plan/boot-args.ts, written and read back
// by src/converge/boot-args.ts through ./scripts.ts.
import type { GrubbyEntry } from '../facts/types.js';

/**
 * - grubby: Alinux, Anolis, RHEL family (BLS entries or grub.cfg); `grubby --update-kernel`.
 * - grub-debian: Debian/Ubuntu GRUB; a kfleet drop-in in /etc/default/grub.d/ appends to
 *   GRUB_CMDLINE_LINUX, update-grub (or grub-mkconfig) regenerates /boot/grub/grub.cfg.
 * - kernel-install: systemd-boot / kernel-install; /etc/kernel/cmdline for future kernels plus the
 *   `options` line of every Boot Loader Specification entry already installed.
 */
export type BootMechanism = 'grubby' | 'grub-debian' | 'kernel-install';

export const BOOT_MECHANISMS: readonly BootMechanism[] = ['grubby', 'grub-debian', 'kernel-install'];

/** kfleet's drop-in for Debian/Ubuntu GRUB. */
export const GRUB_DROPIN_PATH = '/etc/default/grub.d/kfleet-kfence.cfg';
export const GRUB_CFG_PATH = '/boot/grub/grub.cfg';
export const KERNEL_CMDLINE_PATH = '/etc/kernel/cmdline';

/** One entry the bootloader can boot. For grub-debian `id` is GRUB's menuentry id and `index`
 *  its position among the generated entries; for kernel-install `id` is the entry file. */
export interface BootEntry extends GrubbyEntry {
  id?: string;
}

export interface GrubDebianFacts {
  /** `update-grub` when installed, else `grub-mkconfig` (with -o /boot/grub/grub.cfg). */
  update: 'update-grub' | 'grub-mkconfig';
  /** GRUB_CMDLINE_LINUX / _DEFAULT as update-grub sees them, WITHOUT kfleet's drop-in. */
  cmdline_linux: string;
  cmdline_linux_default: string;
  /** GRUB_DEFAULT (default "0"), and saved_entry from grubenv when it is "saved". */
  default: string;
  saved_entry: string | null;
  /** Contents of kfleet's drop-in, null when absent. */
  dropin: string | null;
}

export interface BootFacts {
  /** null: none of the supported mechanisms was found. */
  mechanism: BootMechanism | null;
  /** The kernel image the next boot starts (the default entry), when known. */
  default_kernel: string | null;
  /** Every entry the bootloader offers (grub-debian: normal and recovery entries). */
  entries: BootEntry[];
  grub?: GrubDebianFacts;
  /** kernel-install: /etc/kernel/cmdline (null when absent) and the entries' directory. */
  kernel_cmdline?: string | null;
  entries_dir?: string;
  /** Tools seen on the host, for the refusal's "what would work". */
  seen: string[];
}
