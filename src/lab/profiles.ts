// Lab kernel profiles: immutable data shared by every host of a profile. Each choice that the
// reference (kfence-interface.md) leaves open is made here, per profile, and listed in README.md.

import type { ReportStyle } from './kernel/reports.js';
import { DEBIAN_612, MERGED_KMALLOC, type SlabLayout } from './kernel/slab.js';

export type Flavor = 'alinux' | 'upstream' | 'none';

export interface AlinuxTraits {
  /** errno for writing num_objects while enabled: A510 says EINVAL, A66 says EBUSY. */
  numObjectsBusyErrno: 'EINVAL' | 'EBUSY';
  /** dmesg line when a runtime area cannot be allocated (A510 vs A66 wording). */
  allocFailMessage: 'metadata' | 'pool';
  /** A66's start_kfence() rewrites num_objects to the allocated total; A510 does not. */
  rewritesNumObjects: boolean;
  hasFault: boolean;
  hasBootingMax: boolean;
  /** stats counter name width: A510 %-30s, A66 %-35s. */
  statsWidth: number;
}

export interface UpstreamTraits {
  /** 5.18+: a non-zero write while disabled enables late; before: EINVAL. */
  lateEnable: boolean;
  /** 6.1/6.2+: /sys/kernel/slab/X/skip_kfence. */
  skipKfence: boolean;
  /** The kfence/ debugfs dir exists only once KFENCE was enabled (checked on 6.12). */
  debugfsOnlyWhenEnabled: boolean;
  /** 5.16+: the three "skipped allocations" counters. */
  skippedCounters: boolean;
  logDisable: boolean;
}

export interface Profile {
  name: string;
  flavor: Flavor;
  release: string;
  /** The previous kernel also installed (the second grubby entry). */
  previousRelease: string;
  arch: 'x86_64' | 'aarch64';
  pageSize: number;
  /** /sys/module/kfence/parameters/<name> -> mode. Order is the ls order. */
  params: Record<string, number>;
  configSampleInterval: number;
  configNumObjects: number;
  alinux?: AlinuxTraits;
  upstream?: UpstreamTraits;
  /** kfence_enable (Alinux 5.10), skip_kfence (upstream >= 6.1) or none. */
  slabControl: 'kfence_enable' | 'skip_kfence' | 'none';
  /** /sys/kernel/slab: which caches exist and which are merged (kernel-dependent). */
  slabs: SlabLayout;
  /** KFENCE report details that differ by kernel; absent: the 5.13-era layout of kfence-interface.md §4.2. */
  reportStyle?: ReportStyle;
  defaultArgs: string;
  osRelease: string;
  osPrettyName: string;
  titleFor(release: string): string;
  defaultMemoryMiB: number;
  defaultNodes: number;
  hardware: string;
  kernelBuild: string;
  user: { become: 'sudo-nopasswd' | 'sudo-password' };
  /** How kernel args are set: BLS entries with grubby (default), or Debian's GRUB (update-grub, no grubby). */
  bootloader?: 'grubby' | 'debian-grub';
}

const ALINUX_OS = `NAME="Alibaba Cloud Linux"
VERSION="3 (Soaring Falcon)"
ID="alinux"
ID_LIKE="rhel fedora centos anolis"
VERSION_ID="3"
UPDATE_ID="9"
PLATFORM_ID="platform:al8"
PRETTY_NAME="Alibaba Cloud Linux 3 (Soaring Falcon)"
ANSI_COLOR="0;31"
HOME_URL="https://www.aliyun.com/"
`;

const ALINUX_PARAMS_OLD = { num_objects: 0o600, order0_page: 0o600, pool_mode: 0o600, sample_interval: 0o600 };
const ALINUX_PARAMS = { fault: 0o600, num_objects: 0o600, order0_page: 0o600, pool_mode: 0o600, sample_interval: 0o600 };

function alinux(name: string, release: string, previous: string, traits: Partial<AlinuxTraits>, extra: Partial<Profile> = {}): Profile {
  const modern = traits.numObjectsBusyErrno === 'EBUSY';
  return {
    name,
    flavor: 'alinux',
    release,
    previousRelease: previous,
    arch: 'x86_64',
    pageSize: 4096,
    params: traits.hasFault ? ALINUX_PARAMS : ALINUX_PARAMS_OLD,
    configSampleInterval: 0,
    configNumObjects: 255,
    alinux: {
      numObjectsBusyErrno: 'EINVAL',
      allocFailMessage: modern ? 'pool' : 'metadata',
      rewritesNumObjects: modern,
      hasFault: false,
      hasBootingMax: false,
      statsWidth: 30,
      ...traits,
    },
    slabControl: 'kfence_enable',
    slabs: MERGED_KMALLOC,
    defaultArgs: 'ro crashkernel=0M-2G:0M,2G-8G:192M,8G-:256M rhgb quiet',
    osRelease: ALINUX_OS,
    osPrettyName: 'Alibaba Cloud Linux 3 (Soaring Falcon)',
    titleFor: (r) => `Alibaba Cloud Linux (${r}) 3 (Soaring Falcon)`,
    defaultMemoryMiB: 16384,
    defaultNodes: 2,
    hardware: 'Alibaba Cloud Alibaba Cloud ECS, BIOS 449e491 04/01/2014',
    kernelBuild: '#1 SMP Wed Jul 5 10:20:19 CST 2023',
    user: { become: 'sudo-nopasswd' },
    ...extra,
  };
}

const DEBIAN_OS = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
HOME_URL="https://www.debian.org/"
SUPPORT_URL="https://www.debian.org/support"
BUG_REPORT_URL="https://bugs.debian.org/"
`;

const UBUNTU_OS = `PRETTY_NAME="Ubuntu 22.04.3 LTS"
NAME="Ubuntu"
VERSION_ID="22.04"
VERSION="22.04.3 LTS (Jammy Jellyfish)"
VERSION_CODENAME=jammy
ID=ubuntu
ID_LIKE=debian
HOME_URL="https://www.ubuntu.com/"
UBUNTU_CODENAME=jammy
`;

export const PROFILES: Record<string, Profile> = {
  'alinux-5.10.134-17': alinux('alinux-5.10.134-17', '5.10.134-17.al8.x86_64', '5.10.134-16.al8.x86_64',
    { numObjectsBusyErrno: 'EBUSY', hasFault: true, hasBootingMax: true },
    { defaultArgs: 'ro crashkernel=0M-2G:0M,2G-8G:192M,8G-:256M rhgb quiet kfence.booting_max=0-2G:0,2G-32G:2M,32G-:32M' }),
  'alinux-5.10.134-16': alinux('alinux-5.10.134-16', '5.10.134-16.al8.x86_64', '5.10.134-15.al8.x86_64',
    { numObjectsBusyErrno: 'EBUSY', hasFault: true, hasBootingMax: true }),
  'alinux-5.10.134-15': alinux('alinux-5.10.134-15', '5.10.134-15.al8.x86_64', '5.10.134-14.al8.x86_64',
    { numObjectsBusyErrno: 'EINVAL', hasFault: false, hasBootingMax: false }),
  'alinux-5.10.84-10': alinux('alinux-5.10.84-10', '5.10.84-10.al8.x86_64', '5.10.60-9.al8.x86_64',
    { numObjectsBusyErrno: 'EINVAL', hasFault: false, hasBootingMax: false }),
  'alinux-aarch64-5.10.134-16': alinux('alinux-aarch64-5.10.134-16', '5.10.134-16.al8.aarch64', '5.10.134-15.al8.aarch64',
    { numObjectsBusyErrno: 'EBUSY', hasFault: true, hasBootingMax: true },
    { arch: 'aarch64', hardware: 'Alibaba Cloud ECS, BIOS 0.0.0 02/06/2015' }),
  'upstream-6.12': {
    name: 'upstream-6.12',
    flavor: 'upstream',
    release: '6.12.117+deb12-amd64',
    previousRelease: '6.1.0-28-amd64',
    arch: 'x86_64',
    pageSize: 4096,
    params: { burst: 0o644, check_on_panic: 0o444, deferrable: 0o444, sample_interval: 0o600, skip_covered_thresh: 0o644 },
    configSampleInterval: 0,
    configNumObjects: 255,
    upstream: { lateEnable: true, skipKfence: true, debugfsOnlyWhenEnabled: true, skippedCounters: true, logDisable: true },
    slabControl: 'skip_kfence',
    slabs: DEBIAN_612,
    reportStyle: { hashedPointers: true, agoStamps: true, uidAndTaintNames: true },
    defaultArgs: 'ro quiet',
    osRelease: DEBIAN_OS,
    osPrettyName: 'Debian GNU/Linux 12 (bookworm)',
    titleFor: (r) => `Debian GNU/Linux, with Linux ${r}`,
    defaultMemoryMiB: 8192,
    defaultNodes: 1,
    hardware: 'QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014',
    kernelBuild: '#1 SMP PREEMPT_DYNAMIC Debian 6.12.117-1~deb12u1 (2026-11-14)',
    user: { become: 'sudo-nopasswd' },
  },
  'upstream-5.15': {
    name: 'upstream-5.15',
    flavor: 'upstream',
    release: '5.15.0-91-generic',
    previousRelease: '5.15.0-89-generic',
    arch: 'x86_64',
    pageSize: 4096,
    params: { sample_interval: 0o600 },
    configSampleInterval: 0,
    configNumObjects: 255,
    upstream: { lateEnable: false, skipKfence: false, debugfsOnlyWhenEnabled: false, skippedCounters: false, logDisable: false },
    slabControl: 'none',
    slabs: MERGED_KMALLOC,
    defaultArgs: 'ro quiet splash',
    osRelease: UBUNTU_OS,
    osPrettyName: 'Ubuntu 22.04.3 LTS',
    titleFor: (r) => `Ubuntu, with Linux ${r}`,
    defaultMemoryMiB: 8192,
    defaultNodes: 1,
    hardware: 'QEMU Standard PC (Q35 + ICH9, 2009), BIOS 1.15.0-1 04/01/2014',
    kernelBuild: '#101-Ubuntu SMP Tue Nov 14 13:30:08 UTC 2023',
    user: { become: 'sudo-nopasswd' },
  },
  'no-kfence': {
    name: 'no-kfence',
    flavor: 'none',
    release: '6.1.0-28-amd64',
    previousRelease: '6.1.0-27-amd64',
    arch: 'x86_64',
    pageSize: 4096,
    params: {},
    configSampleInterval: 0,
    configNumObjects: 0,
    slabControl: 'none',
    slabs: MERGED_KMALLOC,
    defaultArgs: 'ro quiet',
    osRelease: DEBIAN_OS,
    osPrettyName: 'Debian GNU/Linux 12 (bookworm)',
    titleFor: (r) => `Debian GNU/Linux, with Linux ${r}`,
    defaultMemoryMiB: 4096,
    defaultNodes: 1,
    hardware: 'QEMU Standard PC (i440FX + PIIX, 1996), BIOS 1.16.2-debian-1.16.2-1 04/01/2014',
    kernelBuild: '#1 SMP PREEMPT_DYNAMIC Debian 6.1.119-1 (2024-11-22)',
    user: { become: 'sudo-nopasswd' },
  },
};

// Debian 12 as the real VM tier builds it (test/vm-debian): the upstream-6.12 kernel, GRUB with
// update-grub, no grubby. (8 GiB like upstream-6.12: the lab's late-enable model fails at 1 GiB,
// the real 6.12 enables late with 384 MiB; see test/vm-debian/README.md.)
PROFILES['debian-12-grub'] = {
  ...PROFILES['upstream-6.12']!,
  name: 'debian-12-grub',
  previousRelease: '6.12.115+deb12-amd64',
  defaultArgs: 'ro console=ttyS0,115200 no_timer_check tsc=unstable quiet',
  user: { become: 'sudo-password' },
  bootloader: 'debian-grub',
};

export const PROFILE_NAMES = Object.keys(PROFILES);

export function getProfile(name: string): Profile {
  const p = PROFILES[name];
  if (!p) throw new Error(`unknown lab profile ${JSON.stringify(name)}; known: ${PROFILE_NAMES.join(', ')}`);
  return p;
}

/** The Ansible group name for a profile: alinux-5.10.134-17 -> alinux_5_10_134_17. */
export function profileGroup(name: string): string {
  return name.replace(/[^A-Za-z0-9]/g, '_');
}
