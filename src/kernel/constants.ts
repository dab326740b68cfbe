// Fixed facts about KFENCE's files and sizes (kfence-interface.md §1-§3).

export const PARAM_DIR = '/sys/module/kfence/parameters';
export const SLAB_DIR = '/sys/kernel/slab';
export const STATS_PATH = '/sys/kernel/debug/kfence/stats';

export const paramPath = (name: string): string => `${PARAM_DIR}/${name}`;
export const slabControlPath = (cache: string, control: 'kfence_enable' | 'skip_kfence'): string =>
  `${SLAB_DIR}/${cache}/${control}`;

export const KiB = 1024;
export const MiB = 1024 * KiB;
export const GiB = 1024 * MiB;

/** PUD_SIZE with 4 KiB pages; the Anolis area size and the upstream-mode boundary. */
export const PUD_SIZE = GiB;

/** KFENCE_MAX_OBJECTS_PER_AREA = PUD_SIZE / PAGE_SIZE / 2 - 1 (131071 with 4 KiB pages). */
export function objectsPerArea(pageSize: number): number {
  return Math.floor(PUD_SIZE / pageSize / 2) - 1;
}

/** The kernel's compile-time default when /boot/config is unreadable (Kconfig default, and the guide's "255"). */
export const DEFAULT_NUM_OBJECTS = 255;

/** Estimated struct kfence_metadata per object (two 64-frame tracks): ~150 MB per 131071-object area. Not measured. */
export const METADATA_BYTES_PER_OBJECT = 1152;
