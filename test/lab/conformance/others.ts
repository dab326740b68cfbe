// upstream 5.15 (no late enable) and a kernel without KFENCE.

import { PARAMS, exists, read, write, type Table } from './table.js';

export const upstream515: Table[] = [
  {
    profile: 'upstream-5.15',
    title: 'upstream 5.15 booted off: no runtime enable (5.12-5.17)',
    bootArgs: '',
    rows: [
      read(`${PARAMS}/sample_interval`, '0\n', '§1.2'),
      write(`${PARAMS}/sample_interval`, '100', 'EINVAL', '0', '§1.2 5.12-5.17: cannot enable on the fly'),
      read('/sys/kernel/debug/kfence/stats', 'enabled: 0\ncurrently allocated: 0\ntotal allocations: 0\ntotal frees: 0\nzombie allocations: 0\ntotal bugs: 0\n', '§4.1 five counters before 5.16'),
      exists(`${PARAMS}/skip_covered_thresh`, false, '§1.1 5.16+'),
      exists('/sys/kernel/slab/kmalloc-64/skip_kfence', false, '§2.2 6.1+'),
    ],
  },
  {
    profile: 'upstream-5.15',
    title: 'upstream 5.15 booted on: disable is one-way',
    bootArgs: 'kfence.sample_interval=100',
    rows: [
      read(`${PARAMS}/sample_interval`, '100\n', '§1.2'),
      write(`${PARAMS}/sample_interval`, '0', null, '0', '§1.2 0 disables'),
      write(`${PARAMS}/sample_interval`, '100', 'EINVAL', '0', '§5.2 no re-enable before 5.18'),
    ],
  },
];

export const noKfence: Table[] = [
  {
    profile: 'no-kfence',
    title: 'a kernel built without KFENCE',
    bootArgs: '',
    rows: [
      exists('/sys/module/kfence', false, 'CONFIG_KFENCE not set'),
      exists('/sys/kernel/debug/kfence', false, 'no debugfs'),
      { name: 'reading the parameter fails like cat does', ref: 'no module', run: `cat ${PARAMS}/sample_interval`, status: 1, stdout: '', stderr: `cat: ${PARAMS}/sample_interval: No such file or directory\n` },
      { name: '/boot/config says so', ref: 'kconfig', run: 'grep KFENCE /boot/config-$(uname -r)', status: 0, stdout: 'CONFIG_HAVE_ARCH_KFENCE=y\n# CONFIG_KFENCE is not set\n', stderr: '' },
    ],
  },
];
