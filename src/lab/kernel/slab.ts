// SLUB caches as /sys/kernel/slab shows them: mergeable caches live in a directory named by a
// unique id (":0000064", ":A-0000192") and every name merged into it is a symlink to it;
// unmergeable caches have a real directory. One kmem_cache = one group = one kfence flag.
// Which caches merge depends on the kernel, so each profile names its layout: MERGED_KMALLOC
// (kmalloc-* merged with same-sized caches, the 5.10/5.15 model, not checked on a real kernel)
// or DEBIAN_612 (read from Debian's 6.12 kernel in the real-kernel tier).
import { DEBIAN_612_SLABS } from './slab-debian-6.12.js';

export interface SlabGroup {
  /** Directory name under /sys/kernel/slab. */
  dir: string;
  /** Names that are symlinks to dir (the first is the cache's own name when merged). */
  aliases: string[];
  objectSize: number;
  slabSize: number;
  order: number;
  /** Objects at boot, split over nodes by the host. */
  objects: number;
}

export interface SlabLayout {
  readonly groups: readonly SlabGroup[];
  /** Every visible name under /sys/kernel/slab, with the group it belongs to. */
  readonly names: ReadonlyMap<string, { group: number; link: boolean }>;
}

function g(dir: string, aliases: string[], objectSize: number, objects: number, order = 0): SlabGroup {
  const align = objectSize >= 64 ? 64 : 8;
  const slabSize = Math.ceil(objectSize / align) * align;
  return { dir, aliases, objectSize, slabSize, order, objects };
}

function layout(groups: readonly SlabGroup[]): SlabLayout {
  const names = new Map<string, { group: number; link: boolean }>();
  groups.forEach((grp, i) => {
    names.set(grp.dir, { group: i, link: false });
    for (const a of grp.aliases) names.set(a, { group: i, link: true });
  });
  return { groups, names };
}

/** Parses DEBIAN_612_SLABS-style lines: "dir object_size order objects [merged names...]". */
export function parseSlabTable(text: string): SlabGroup[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const [dir = '', size = '', order = '', objects = '', ...aliases] = l.trim().split(/\s+/);
      const objectSize = Number(size);
      // A merged cache's id is its slab size (":0000320" holds 296-byte objects).
      const idSize = /^:[a-zA-Z]*-?(\d{7})$/.exec(dir);
      const slabSize = idSize ? Number(idSize[1]) : Math.ceil(objectSize / 8) * 8;
      return { dir, aliases, objectSize, slabSize, order: Number(order), objects: Number(objects) };
    });
}

/** The 5.10/5.15 model (shared by every host of those profiles, immutable). */
const MERGED_KMALLOC_GROUPS: readonly SlabGroup[] = [
  g(':0000008', ['kmalloc-8'], 8, 24576),
  g(':0000016', ['kmalloc-16'], 16, 12288),
  g(':0000032', ['kmalloc-32', 'ftrace_event_field'], 32, 18432),
  g(':0000064', ['kmalloc-64', 'dmaengine-unmap-2', 'ksm_rmap_item'], 64, 40960),
  g(':0000096', ['kmalloc-96'], 96, 6342),
  g(':0000128', ['kmalloc-128', 'scsi_sense_cache'], 128, 4096),
  g(':0000192', ['kmalloc-192', 'kernfs_iattrs_cache'], 192, 7644),
  g(':0000256', ['kmalloc-256', 'skbuff_ext_cache'], 256, 3072, 1),
  g(':0000512', ['kmalloc-512'], 512, 5120, 2),
  g(':0001024', ['kmalloc-1k'], 1024, 2048, 3),
  g(':0002048', ['kmalloc-2k'], 2048, 1536, 3),
  g(':0004096', ['kmalloc-4k', 'names_cache'], 4096, 832, 3),
  g(':0008192', ['kmalloc-8k'], 8192, 212, 3),
  g(':A-0000064', ['anon_vma_chain', 'kmalloc-cg-64'], 64, 22528),
  g(':A-0000192', ['vm_area_struct', 'cred_jar'], 192, 16380),
  g(':A-0000256', ['filp', 'kmalloc-cg-256'], 256, 9216, 1),
  g(':a-0000104', ['buffer_head'], 104, 57837),
  g(':aA-0000192', ['dentry'], 192, 85302),
  g('task_struct', [], 9984, 546, 3),
  g('mm_struct', [], 1088, 480, 3),
  g('inode_cache', [], 600, 14896, 3),
  g('ext4_inode_cache', [], 1192, 30240, 3),
  g('proc_inode_cache', [], 680, 5712, 2),
  g('shmem_inode_cache', [], 744, 2310, 2),
  g('radix_tree_node', [], 576, 13524, 2),
  g('sighand_cache', [], 2112, 570, 3),
  g('signal_cache', [], 1152, 588, 3),
  g('files_cache', [], 704, 575, 2),
  g('sock_inode_cache', [], 832, 1209, 2),
  g('TCP', [], 2368, 156, 3),
  g('UDP', [], 1152, 224, 3),
  g('kmem_cache', [], 448, 476, 2),
  g('kmem_cache_node', [], 64, 640),
];

export const MERGED_KMALLOC: SlabLayout = layout(MERGED_KMALLOC_GROUPS);
export const DEBIAN_612: SlabLayout = layout(parseSlabTable(DEBIAN_612_SLABS));

/** Read-only attribute files in every cache directory (besides objects/total_objects and the kfence file). */
export const SLAB_RO_ATTRS = ['aliases', 'align', 'cpu_partial', 'ctor', 'hwcache_align', 'min_partial', 'object_size', 'objs_per_slab', 'order', 'poison', 'reclaim_account', 'red_zone', 'sanity_checks', 'slab_size', 'slabs', 'store_user', 'total_objects', 'objects'] as const;
