// Alibaba Cloud Linux 3 (Anolis 5.10) tables from kfence-interface.md §1-§5. Where the reference
// leaves A510 vs A66 open, the profile's choice is a parameter (README: -16/-17 behave like A66,
// -15 and 5.10.84-10 like A510).

import { PARAMS, SLAB, dmesgHas, exists, read, write, type Table } from './table.js';

export interface AlinuxVariant {
  profile: string;
  busy: 'EINVAL' | 'EBUSY';
  hasFault: boolean;
  hasBootingMax: boolean;
  /** A66 rewrites num_objects to the allocated total after an enable. */
  rewrites: boolean;
}

export const ALINUX_VARIANTS: AlinuxVariant[] = [
  { profile: 'alinux-5.10.134-17', busy: 'EBUSY', hasFault: true, hasBootingMax: true, rewrites: true },
  { profile: 'alinux-5.10.134-16', busy: 'EBUSY', hasFault: true, hasBootingMax: true, rewrites: true },
  { profile: 'alinux-5.10.134-15', busy: 'EINVAL', hasFault: false, hasBootingMax: false, rewrites: false },
  { profile: 'alinux-5.10.84-10', busy: 'EINVAL', hasFault: false, hasBootingMax: false, rewrites: false },
  { profile: 'alinux-aarch64-5.10.134-16', busy: 'EBUSY', hasFault: true, hasBootingMax: true, rewrites: true },
];

const SI = `${PARAMS}/sample_interval`;
const NO = `${PARAMS}/num_objects`;
const PM = `${PARAMS}/pool_mode`;

/** Booted with KFENCE off (no sample_interval on the cmdline): every runtime enable takes 1 GiB areas. */
export function alinuxBootedOff(v: AlinuxVariant): Table {
  // §5.1: kfence_init_late / kfence_enable_late both assign the roundup to kfence_num_objects.
  const after = '131071';
  return {
    profile: v.profile,
    title: `${v.profile} booted with KFENCE off: runtime enable, sizes, modes, sign flips, per-slab switch`,
    bootArgs: '',
    rows: [
      read(SI, '0\n', '§1.2 reads 0 when not enabled'),
      read(NO, '255\n', '§1.3 default 255 (ALIDOC 2 MiB)'),
      read(PM, 'global\n', '§1.4 default global'),
      read(`${PARAMS}/order0_page`, '1\n', '§1.5 default 1'),
      exists(`${PARAMS}/fault`, v.hasFault, '§1.6 fault >= 5.10.134-16'),
      exists(`${PARAMS}/skip_covered_thresh`, false, '§1.1 not in A510'),
      read('/sys/kernel/debug/kfence/stats', 'enabled: 0\n', '§4.1 never enabled: just enabled: 0'),
      write(NO, '0', 'EINVAL', '255', '§1.3 0 -> EINVAL'),
      write(NO, '-1', 'EINVAL', '255', '§1.3 kstrtoul'),
      write(NO, '1000', null, '1000', '§1.3 stored while disabled'),
      write(NO, '255', null, '255', '§1.3'),
      write(PM, 'foo', 'EINVAL', 'global', '§1.4 only global|node'),
      write(PM, 'Node', 'EINVAL', 'global', '§1.4 case-sensitive'),
      write(PM, 'node', null, 'node', '§1.4'),
      write(PM, ' global ', null, 'global', '§1.4 strstrip'),
      write(`${PARAMS}/order0_page`, 'x', 'EINVAL', '1', '§1.5 kstrtobool'),
      write(`${PARAMS}/order0_page`, 'off', null, '0', '§1.5 off'),
      write(`${PARAMS}/order0_page`, 'Y', null, '1', '§1.5 Y'),
      ...(v.hasFault
        ? [write(`${PARAMS}/fault`, 'oops', 'EINVAL', 'report', '§1.6 report|panic only'), write(`${PARAMS}/fault`, 'panic', null, 'panic', '§1.6'), write(`${PARAMS}/fault`, 'report', null, 'report', '§1.6')]
        : []),
      write(SI, 'abc', 'EINVAL', '0', '§1.2 kstrtol'),
      write(SI, '9223372036854775808', 'ERANGE', '0', '§1 kstrtol overflow'),
      write(SI, '100', null, '100', '§5.1 booted off: runtime enable (1 GiB area)'),
      read(NO, `${after}\n`, '§5.1 the runtime roundup is stored in num_objects'),
      dmesgHas(/kfence: initialized - using 1073741824 bytes for 131071 objects on node 0\n/, '§4.2 Anolis init line, §3.3 1 GiB area'),
      read('/sys/kernel/debug/kfence/stats', /^enabled: 1\ncurrently slab allocated {6}: +\d+\n(.*\n){7}\nnode\tobject_size\tpool_size\n0 {7}131071 {10}1 GB\n$/, '§4.1 Anolis stats with pool table'),
      write(NO, '500', v.busy, after, '§1.3 while enabled: EINVAL (A510) / EBUSY (A66)'),
      write(PM, 'node', 'EINVAL', 'global', '§1.4 while enabled: EINVAL'),
      write(SI, '-1', 'EINVAL', '100', '§1.2 no direct sign flip'),
      write(SI, '200', null, '200', '§1.2 change while enabled'),
      write(SI, '0', null, '0', '§5.1 disable'),
      write(SI, '-1', null, '-1', '§5.1 through 0 to a negative interval (>= 131071 objects)'),
      write(SI, '100', 'EINVAL', '-1', '§1.2 no flip from negative'),
      write(SI, '0', null, '0', '§5.1'),
      write(`${SLAB}/kmalloc-64/kfence_enable`, 'maybe', 'EINVAL', '1', '§2.1 kstrtobool'),
      write(`${SLAB}/kmalloc-64/kfence_enable`, '0', null, '0', '§2.1'),
      read(`${SLAB}/dmaengine-unmap-2/kfence_enable`, '0\n', '§2.1 merged aliases share one kmem_cache'),
      { name: 'kmalloc-64 is a symlink to its merged cache', ref: '§2.1 aliases are symlinks', run: `readlink ${SLAB}/kmalloc-64`, status: 0, stdout: ':0000064\n', stderr: '' },
      exists(`${SLAB}/kmalloc-64/skip_kfence`, false, '§2.2 Alinux 5.10 has no skip_kfence'),
    ],
  };
}

/** Booted with kfence.sample_interval=100 on a 16 GiB host: an upstream-mode pool (255 objects, 2 MiB). */
export function alinuxBootedOn(v: AlinuxVariant): Table {
  return {
    profile: v.profile,
    title: `${v.profile} booted with sample_interval=100: upstream mode, silent failures, resurrection`,
    bootArgs: 'kfence.sample_interval=100',
    memory: { totalMiB: 16384, nodes: 2 },
    rows: [
      read(SI, '100\n', '§1.2 boot value'),
      dmesgHas(/kfence: initialized - using 2097152 bytes for 255 objects on node 0\n/, '§3.3 (255+1)*8 KiB'),
      read('/sys/kernel/debug/kfence/stats', /\n0 {7}255 {13}2 MB\n$/, '§4.1 pool table'),
      {
        name: 'negative interval while in upstream mode fails silently (status 0, reads 0)',
        ref: '§5.1 rule 3 / §1.2 silent failure',
        run: `echo 0 > ${SI}; echo -1 > ${SI}; echo "rc=$?"; cat ${SI}`,
        status: 0,
        stdout: 'rc=0\n0\n',
        stderr: '',
      },
      {
        name: 're-enable before the async free resurrects the 2 MiB pool',
        ref: '§5.1 resurrect areas not yet freed',
        run: `echo 100 > ${SI}; cat ${SI}; cat /sys/kernel/debug/kfence/stats | tail -1`,
        status: 0,
        stdout: '100\n0       255             2 MB\n',
        stderr: '',
      },
      {
        name: 'after the async free, re-enable takes a 1 GiB area and forgets upstream mode',
        ref: '§5.1 consequences',
        run: `echo 0 > ${SI}; sleep 2; echo 100 > ${SI}; cat ${SI}; cat /sys/kernel/debug/kfence/stats | tail -1`,
        status: 0,
        stdout: '100\n0       131071          1 GB\n',
        stderr: '',
      },
      dmesgHas(/kfence: freed 2097152 bytes for 255 objects on node 0\n/, '§4.2 Anolis freed line'),
    ],
  };
}

/** booting_max (-16/-17): caps, zero size and parse errors disable boot-time KFENCE. */
export function alinuxBootingMax(v: AlinuxVariant): Table[] {
  if (!v.hasBootingMax || v.profile.includes('aarch64')) return [];
  return [
    {
      profile: v.profile,
      title: `${v.profile}: booting_max caps num_objects (2M -> 255)`,
      bootArgs: 'kfence.sample_interval=100 kfence.num_objects=4095 kfence.booting_max=0-2G:0,2G-32G:2M,32G-:32M',
      memory: { totalMiB: 16384, nodes: 2 },
      rows: [read(NO, '255\n', '§3.2 2M -> 255 objects'), read(SI, '100\n', '§3.1')],
    },
    {
      profile: v.profile,
      title: `${v.profile}: booting_max last occurrence wins, 32M bucket above 32 GiB`,
      bootArgs: 'kfence.sample_interval=100 kfence.num_objects=10000 kfence.booting_max=0-:1M kfence.booting_max=0-32G:2M,32G-:32M',
      memory: { totalMiB: 65536, nodes: 2 },
      rows: [read(NO, '4095\n', '§3.2 32M -> 4095; the last occurrence wins')],
    },
    {
      profile: v.profile,
      title: `${v.profile}: booting_max size 0 disables boot-time KFENCE`,
      bootArgs: 'kfence.sample_interval=100 kfence.booting_max=0-2G:0,2G-:2M',
      memory: { totalMiB: 1024, nodes: 1 },
      rows: [read(SI, '0\n', '§3.2 zero size'), dmesgHas(/kfence: kfence.booting_max size resulted in zero bytes, disabled\n/, '§3.2 message')],
    },
    {
      profile: v.profile,
      title: `${v.profile}: booting_max parse error disables boot-time KFENCE`,
      bootArgs: 'kfence.sample_interval=100 kfence.booting_max=0-2G',
      memory: { totalMiB: 16384, nodes: 2 },
      rows: [read(SI, '0\n', '§3.2 parse error -> EINVAL -> disabled'), dmesgHas(/kfence: kfence.booting_max: ':' expected\n/, '§3.2 message')],
    },
  ];
}

/** A big boot-time pool: 1,000,000 objects spread over nodes in 1 GiB areas. */
export function alinuxBigPool(v: AlinuxVariant): Table[] {
  if (v.profile.includes('aarch64')) return [];
  return [
    {
      profile: v.profile,
      title: `${v.profile}: kfence.num_objects=1000000 kfence.sample_interval=-1 (full mode, 8 GiB over 2 nodes)`,
      bootArgs: 'kfence.num_objects=1000000 kfence.sample_interval=-1',
      memory: { totalMiB: 32768, nodes: 2 },
      rows: [
        read(SI, '-1\n', '§1.2 negative at boot with >= 131071 objects'),
        read(NO, '1048568\n', '§1.3 rounded up to 8 x 131071'),
        read('/sys/kernel/debug/kfence/stats', /\n0 {7}524284 {10}4 GB\n1 {7}524284 {10}4 GB\n$/, '§3.3 global: spread evenly'),
      ],
    },
    {
      profile: v.profile,
      title: `${v.profile}: pool_mode=node with a small pool fails at boot`,
      bootArgs: 'kfence.sample_interval=100 kfence.pool_mode=node',
      memory: { totalMiB: 16384, nodes: 2 },
      rows: [read(SI, '0\n', '§1.4 node with num_objects < 131071 fails at boot')],
    },
  ];
}
