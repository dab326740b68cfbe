// upstream 6.12 (Debian 6.12.117+deb12), as checked on a real kernel (real-kernel-vm-facts.md)
// and kfence-interface.md §1.2, §1.7, §2.2, §4.1, §8. Exported for the real-kernel tier.

import { PARAMS, SLAB, dmesgHas, exists, openDenied, read, write, type Table } from './table.js';

/** Booted with no kfence.* argument (CONFIG_KFENCE_SAMPLE_INTERVAL=0). */
export const upstream612BootedOff: Table = {
  profile: 'upstream-6.12',
  title: 'upstream 6.12 booted without kfence args: late enable, re-enable, parsing, 0444 params, skip_kfence',
  bootArgs: '',
  rows: [
    read(`${PARAMS}/sample_interval`, '0\n', '§8: booted without args reads 0'),
    exists('/sys/kernel/debug/kfence', false, '§8: debugfs kfence/ absent until the first enable'),
    exists(`${PARAMS}/num_objects`, false, 'vm facts: no num_objects/pool_mode/order0_page/fault upstream'),
    exists(`${PARAMS}/fault`, false, 'vm facts'),
    write(`${PARAMS}/sample_interval`, '100', null, '100', '§8: runtime write allocates the pool late'),
    dmesgHas(/kfence: initialized - using 2097152 bytes for 255 objects at 0x[0-9a-f]+-0x[0-9a-f]+/, '§8 dmesg line'),
    read('/sys/kernel/debug/kfence/stats', /^enabled: 1\ncurrently allocated: \d+\ntotal allocations: \d+\ntotal frees: \d+\nzombie allocations: \d+\ntotal bugs: 0\nskipped allocations \(incompatible\): \d+\nskipped allocations \(capacity\): \d+\nskipped allocations \(covered\): \d+\n$/, '§4.1 upstream stats, 8 counters'),
    write(`${PARAMS}/sample_interval`, '0', null, '0', '§1.2 5.18+: 0 disables'),
    dmesgHas(/kfence: disabled\n/, '§4.2 "disabled"'),
    read('/sys/kernel/debug/kfence/stats', /^enabled: 0\n/, '§8: the directory stays after a disable'),
    write(`${PARAMS}/sample_interval`, '50', null, '50', '§8 re-enable'),
    dmesgHas(/kfence: re-enabled\n/, '§4.2 "re-enabled"'),
    write(`${PARAMS}/sample_interval`, '-1', 'EINVAL', '50', '§1.2 kstrtoul rejects negatives'),
    write(`${PARAMS}/sample_interval`, 'abc', 'EINVAL', '50', 'vm facts: abc -> Invalid argument'),
    write(`${PARAMS}/sample_interval`, '', 'EINVAL', '50', '§1 kstrto*: a lone newline has no digits'),
    write(`${PARAMS}/sample_interval`, '0x10', null, '16', '§1 base 0: hex'),
    write(`${PARAMS}/sample_interval`, '010', null, '8', '§1 base 0: octal'),
    write(`${PARAMS}/sample_interval`, '18446744073709551616', 'ERANGE', '8', '§1 overflow -> ERANGE'),
    write(`${PARAMS}/burst`, '5', null, '5', 'vm facts: burst 5 reads 5'),
    write(`${PARAMS}/skip_covered_thresh`, '80', null, '80', '§1.7 ulong 0644'),
    openDenied(`${PARAMS}/deferrable`, '1', 'N', '§8: 0444 deferrable -> Permission denied'),
    openDenied(`${PARAMS}/check_on_panic`, '1', 'N', '§1.7 0444'),
    write(`${SLAB}/kmalloc-64/skip_kfence`, '1', null, '1', 'vm facts: skip_kfence 1 works'),
    write(`${SLAB}/kmalloc-64/skip_kfence`, 'y', 'EINVAL', '1', '§2.2 only 0/1 in the first byte'),
    write(`${SLAB}/kmalloc-64/skip_kfence`, '0', null, '0', '§2.2'),
    {
      name: 'skip_kfence on kmalloc-64 leaves the caches that older kernels merged with it alone',
      ref: 'tier finding: 6.12 kmalloc-* are caches of their own',
      run: `echo 1 > ${SLAB}/kmalloc-64/skip_kfence; cat ${SLAB}/kmalloc-64/skip_kfence ${SLAB}/dmaengine-unmap-2/skip_kfence ${SLAB}/ksm_rmap_item/skip_kfence ${SLAB}/:0000064/skip_kfence; echo 0 > ${SLAB}/kmalloc-64/skip_kfence`,
      status: 0,
      stdout: '1\n0\n0\n0\n',
      stderr: '',
    },
    {
      name: 'skip_kfence on a merged name flips every name of its kmem_cache',
      ref: '§2.2 merged caches share one kmem_cache (checked on 6.12)',
      run: `echo 1 > ${SLAB}/dmaengine-unmap-2/skip_kfence; cat ${SLAB}/ksm_rmap_item/skip_kfence ${SLAB}/:0000064/skip_kfence ${SLAB}/kmalloc-64/skip_kfence; echo 0 > ${SLAB}/:0000064/skip_kfence; cat ${SLAB}/ksm_rmap_item/skip_kfence`,
      status: 0,
      stdout: '1\n1\n0\n0\n',
      stderr: '',
    },
    {
      name: 'which names are merged (symlinks) and which are caches of their own',
      ref: 'tier finding: slab merging on Debian 6.12',
      run: `cd ${SLAB} && for c in kmalloc-8 kmalloc-64 kmalloc-96 kmalloc-8k kmalloc-cg-64 dentry filp names_cache task_struct UDP files_cache signal_cache vm_area_struct; do if [ -L $c ]; then echo "$c -> $(readlink $c)"; else echo "$c own"; fi; done`,
      status: 0,
      stdout: 'kmalloc-8 own\nkmalloc-64 own\nkmalloc-96 own\nkmalloc-8k own\nkmalloc-cg-64 own\ndentry own\nfilp own\nnames_cache own\ntask_struct own\nUDP -> :A-0001152\nfiles_cache -> :A-0000704\nsignal_cache -> :A-0001152\nvm_area_struct -> :A-0000176\n',
      stderr: '',
    },
    { name: 'parameter modes', ref: 'vm facts: modes', run: `stat -c '%n %a' ${PARAMS}/*`, status: 0, stdout: `${PARAMS}/burst 644\n${PARAMS}/check_on_panic 444\n${PARAMS}/deferrable 444\n${PARAMS}/sample_interval 600\n${PARAMS}/skip_covered_thresh 644\n`, stderr: '' },
  ],
};

/** Booted with kfence.sample_interval=100. */
export const upstream612BootedOn: Table = {
  profile: 'upstream-6.12',
  title: 'upstream 6.12 booted with kfence.sample_interval=100',
  bootArgs: 'kfence.sample_interval=100',
  rows: [
    { name: '/proc/cmdline carries the arg', ref: 'DESIGN: booted args', run: 'grep -o "kfence.sample_interval=100" /proc/cmdline', status: 0, stdout: 'kfence.sample_interval=100\n', stderr: '' },
    read(`${PARAMS}/sample_interval`, '100\n', 'vm facts: reads 100'),
    read('/sys/kernel/debug/kfence/stats', /^enabled: 1\n/, 'vm facts: stats enabled: 1'),
    dmesgHas(/kfence: initialized - using 2097152 bytes for 255 objects at 0x\(____ptrval____\)-0x\(____ptrval____\)\n/, 'tier finding: at boot %p prints ptrval (hashing not ready)'),
  ],
};

export const upstream612Tables: Table[] = [upstream612BootedOff, upstream612BootedOn];
