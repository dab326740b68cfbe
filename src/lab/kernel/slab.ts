// SLUB caches as /sys/kernel/slab shows them: mergeable caches live in a directory named by a
// unique id (":0000064", ":A-0000192") and every name merged into it is a symlink to it;
// unmergeable caches have a real directory. One kmem_cache = one group = one kfence flag.

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

function g(dir: string, aliases: string[], objectSize: number, objects: number, order = 0): SlabGroup {
  const align = objectSize >= 64 ? 64 : 8;
  const slabSize = Math.ceil(objectSize / align) * align;
  return { dir, aliases, objectSize, slabSize, order, objects };
}

/** Shared by every host (immutable). */
export const SLAB_GROUPS: readonly SlabGroup[] = [
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

/** Every visible name under /sys/kernel/slab, with the group it belongs to. */
export const SLAB_NAMES: ReadonlyMap<string, { group: number; link: boolean }> = (() => {
  const m = new Map<string, { group: number; link: boolean }>();
  SLAB_GROUPS.forEach((grp, i) => {
    m.set(grp.dir, { group: i, link: false });
    for (const a of grp.aliases) m.set(a, { group: i, link: true });
  });
  return m;
})();

/** Read-only attribute files in every cache directory (besides objects/total_objects and the kfence file). */
export const SLAB_RO_ATTRS = ['aliases', 'align', 'cpu_partial', 'ctor', 'hwcache_align', 'min_partial', 'object_size', 'objs_per_slab', 'order', 'poison', 'reclaim_account', 'red_zone', 'sanity_checks', 'slab_size', 'slabs', 'store_user', 'total_objects', 'objects'] as const;
