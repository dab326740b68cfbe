// /sys/kernel/slab of Debian's 6.12.117+deb12-amd64 as the real-kernel tier's VM shows it (one
// vCPU, 384 MiB, busybox userspace; `ls -l` plus object_size, order, objects read on 2026-11-25).
// One line per kmem_cache directory: "dir object_size order objects [merged names...]".
// What the real kernel showed, unlike older kernels: every kmalloc-*, kmalloc-cg-*,
// kmalloc-rcl-*, dma-kmalloc-* and the kmem_buckets (memdup_user-*, msg_msg-*) are caches of
// their own, never merged; dentry, filp and names_cache are unmerged too; UDP, files_cache and
// signal_cache are merged names (symlinks to :A-… directories).
export const DEBIAN_612_SLABS = `
:0000024 24 0 170 audit_buffer fsnotify_mark_connector
:0000040 40 0 0 khugepaged_mm_slot
:0000048 48 0 425 Acpi-Namespace ksm_mm_slot lsm_file_cache shared_policy_node
:0000056 56 0 3869 Acpi-Parse damon_region file_lock_ctx ftrace_event_field
:0000064 64 0 64 dmaengine-unmap-2 fanotify_path_event iommu_iova ksm_rmap_item ksm_stable_node
:0000072 72 0 622 Acpi-Operand fanotify_fid_event vmap_area
:0000080 80 0 153 Acpi-ParseExt Acpi-State audit_tree_mark gpu_buddy_block kernfs_iattrs_cache
:0000088 88 0 966 blkdev_ioc lsm_inode_cache
:0000096 96 0 1512 fanotify_perm_event trace_event_file
:0000128 128 0 0 backing_aio btree_node
:0000136 136 0 12720 kernfs_node_cache
:0000152 152 0 0 fuse_request
:0000160 160 0 0 file_lease_cache
:0000184 184 0 0 ip6-frags
:0000192 192 0 21 aio_kiocb bio_integrity_payload dmaengine-unmap-16 file_lock_cache inet_peer rtable skbuff_ext_cache uid_cache
:0000200 200 0 0 ip4-frags
:0000256 256 0 112 biovec-16 key_jar maple_node sgpool-8
:0000272 272 0 15 numa_policy
:0000320 296 0 0 xfrm_dst
:0000432 432 0 0 taskstats
:0000512 512 0 80 pool_workqueue sgpool-16 skbuff_fclone_cache
:0000576 576 1 0 kioctx
:0000640 640 1 12 dio task_group
:0000832 792 2 0 xfrm_state
:0000968 968 1 8 request_queue
:0001024 1024 1 8 biovec-64 iommu_iova_magazine sgpool-32
:0001088 1056 2 15 dmaengine-unmap-128
:0001312 1312 2 12 perf_event
:0002048 2048 2 8 biovec-128 sgpool-64
:0002112 2080 3 15 dmaengine-unmap-256
:0004096 4096 3 48 biovec-max sgpool-128
:A-0000024 24 0 0 ep_head
:A-0000032 32 0 0 dnotify_struct
:A-0000040 40 0 204 pde_opener vma_lock
:A-0000048 48 0 85 fasync_cache ip_fib_trie
:A-0000056 56 0 73 ip_fib_alias
:A-0000064 64 0 128 anon_vma_chain eventpoll_pwq fs_cache
:A-0000072 72 0 56 nsproxy
:A-0000080 80 0 51 dnotify_mark fanotify_mark inotify_inode_mark sigqueue
:A-0000120 120 0 34 seq_file
:A-0000128 128 0 96 eventpoll_epi fib6_node pid tcp_bind2_bucket tcp_bind_bucket
:A-0000144 144 0 0 pid_namespace task_delay_info
:A-0000176 176 0 184 vm_area_struct
:A-0000192 184 0 84 cred mfc6_cache mfc_cache
:A-0000256 256 0 16 ip6_dst_cache posix_timers_cache
:A-0000384 336 0 30 mnt_cache
:A-0000616 616 1 0 user_namespace
:A-0000704 704 1 11 files_cache
:A-0001024 1024 1 8 PING UNIX UNIX-STREAM
:A-0001152 1152 2 84 UDP UDP-Lite signal_cache
:A-0001216 1192 2 0 PINGv6
:A-0001344 1344 2 12 UDPLITEv6 UDPv6
:A-0004736 4736 3 0 net_namespace
:a-0000104 104 0 39 buffer_head
:a-0000120 120 0 0 fscrypt_inode_info
:a-0000256 208 0 0 dquot
MPTCP 2016 2 0
MPTCPv6 2160 3 0
RAW 1008 1 8
RAWv6 1192 2 13
TCP 2368 3 13
TCPv6 2560 3 12
anon_vma 96 0 78
bdev_cache 1600 3 19
bio-128 128 0 21
bio-192 192 0 16
bio-248 248 0 32
bio-256 256 0 12
dax_cache 768 2 19
dentry 192 0 1260
dma-kmalloc-128 128 0 0
dma-kmalloc-16 16 0 0
dma-kmalloc-192 192 0 0
dma-kmalloc-1k 1024 1 0
dma-kmalloc-256 256 0 0
dma-kmalloc-2k 2048 2 0
dma-kmalloc-32 32 0 0
dma-kmalloc-4k 4096 3 0
dma-kmalloc-512 512 0 0
dma-kmalloc-64 64 0 0
dma-kmalloc-8 8 0 0
dma-kmalloc-8k 8192 3 0
dma-kmalloc-96 96 0 0
filp 184 0 42
fsverity_info 264 0 0
fuse_inode 864 1 0
hugetlbfs_inode_cache 632 1 12
ima_iint_cache 96 0 0
inode_cache 624 2 1125
io_kiocb 248 0 0
kmalloc-128 128 0 384
kmalloc-16 16 0 1280
kmalloc-192 192 0 399
kmalloc-1k 1024 1 272
kmalloc-256 256 0 400
kmalloc-2k 2048 2 152
kmalloc-32 32 0 715
kmalloc-4k 4096 3 40
kmalloc-512 512 0 296
kmalloc-64 64 0 1984
kmalloc-8 8 0 1530
kmalloc-8k 8192 3 12
kmalloc-96 96 0 2415
kmalloc-cg-128 128 0 64
kmalloc-cg-16 16 0 256
kmalloc-cg-192 192 0 63
kmalloc-cg-1k 1024 1 16
kmalloc-cg-256 256 0 16
kmalloc-cg-2k 2048 2 24
kmalloc-cg-32 32 0 128
kmalloc-cg-4k 4096 3 24
kmalloc-cg-512 512 0 32
kmalloc-cg-64 64 0 64
kmalloc-cg-8 8 0 512
kmalloc-cg-8k 8192 3 0
kmalloc-cg-96 96 0 42
kmalloc-rcl-128 128 0 0
kmalloc-rcl-16 16 0 0
kmalloc-rcl-192 192 0 0
kmalloc-rcl-1k 1024 1 0
kmalloc-rcl-256 256 0 0
kmalloc-rcl-2k 2048 2 0
kmalloc-rcl-32 32 0 0
kmalloc-rcl-4k 4096 3 0
kmalloc-rcl-512 512 0 0
kmalloc-rcl-64 64 0 0
kmalloc-rcl-8 8 0 0
kmalloc-rcl-8k 8192 3 0
kmalloc-rcl-96 96 0 0
kmalloc_buckets 112 0 36
kmem_cache 224 0 192
kmem_cache_node 64 0 192
memdup_user-128 128 0 0
memdup_user-16 16 0 256
memdup_user-192 192 0 0
memdup_user-1k 1024 1 0
memdup_user-256 256 0 0
memdup_user-2k 2048 2 0
memdup_user-32 32 0 0
memdup_user-4k 4096 3 0
memdup_user-512 512 0 0
memdup_user-64 64 0 0
memdup_user-8 8 0 512
memdup_user-8k 8192 3 0
memdup_user-96 96 0 0
mm_struct 1360 2 11
mqueue_inode_cache 944 1 8
msg_msg-128 128 0 0
msg_msg-16 16 0 0
msg_msg-192 192 0 0
msg_msg-1k 1024 1 0
msg_msg-256 256 0 0
msg_msg-2k 2048 2 0
msg_msg-32 32 0 0
msg_msg-4k 4096 3 0
msg_msg-512 512 0 0
msg_msg-64 64 0 0
msg_msg-8 8 0 0
msg_msg-8k 8192 3 0
msg_msg-96 96 0 0
names_cache 4096 3 8
proc_dir_entry 192 0 336
proc_inode_cache 696 1 33
radix_tree_node 576 1 347
request_sock_TCP 304 0 13
request_sock_TCPv6 304 0 0
request_sock_subflow_v4 376 0 0
request_sock_subflow_v6 376 0 0
shmem_inode_cache 752 2 126
sighand_cache 2080 3 75
skbuff_head_cache 232 0 16
skbuff_small_head 704 1 11
sock_inode_cache 768 2 38
task_struct 6208 3 61
tracefs_inode_cache 656 1 108
tw_sock_TCP 248 0 0
tw_sock_TCPv6 248 0 0
userfaultfd_ctx_cache 176 0 0
uts_namespace 432 0 0
`;
