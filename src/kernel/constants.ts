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

/**
 * PUD_SIZE for a page size and page-table depth (arm64 ARM64_HW_PGTABLE_LEVEL_SHIFT; x86_64 is
 * always 4 KiB pages, 1 GiB). With three or more levels the PUD (or the PGD it folds into) maps
 * (PAGE_SHIFT - 3) * 3 + 3 bits: 1 GiB with 4 KiB pages, 64 GiB with 16 KiB, 4 TiB with 64 KiB;
 * with two levels (arm64 64 KiB, 42-bit VA) it is 512 MiB. `levels` defaults to 3 (48-bit VA).
 */
export function pudSize(pageSize: number, levels = 3): number {
  const pageShift = Math.round(Math.log2(pageSize));
  return 2 ** ((pageShift - 3) * (levels >= 3 ? 3 : 2) + 3);
}

/** KFENCE_MAX_OBJECTS_PER_AREA = PUD_SIZE / PAGE_SIZE / 2 - 1 (131071 with 4 KiB pages). */
export function objectsPerArea(pageSize: number, pud = pudSize(pageSize)): number {
  return Math.floor(pud / pageSize / 2) - 1;
}

/** The kernel's compile-time default when /boot/config is unreadable (Kconfig default, and the guide's "255"). */
export const DEFAULT_NUM_OBJECTS = 255;

/** Estimated struct kfence_metadata per object (two 64-frame tracks): ~150 MB per 131071-object area. Not measured. */
export const METADATA_BYTES_PER_OBJECT = 1152;
