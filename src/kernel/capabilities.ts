// What KFENCE is on one host, decided by capability (which files exist, with which modes) and
// combined with the kernel-release gates the Alinux guide names (DESIGN principle 5).

import type { HostFacts } from '../facts/types.js';
import { atLeast, parseRelease, versionAtLeast, type KernelRelease } from './release.js';
import { DEFAULT_NUM_OBJECTS, pudSize } from './constants.js';

export type Flavor = 'alinux' | 'upstream' | 'none';

export const GATES = {
  alinuxX86: '5.10.84-10',
  alinuxArm64: '5.10.134-16',
  fault: '5.10.134-16',
  /** order-0 page sampling can crash on <= 5.10.134-15 (guide FAQ). */
  order0SafeFrom: '5.10.134-16',
  /** kfence.booting_max: the guide names 5.10.134-17 as the release that ships it (with the default cap). */
  bootingMax: '5.10.134-17',
  /** Upstream re-enable / late pool allocation (kfence_init_late, 5.18 merge window). */
  upstreamLateEnable: '5.18',
} as const;

export interface Capabilities {
  flavor: Flavor;
  release: KernelRelease | null;
  arch: 'x86_64' | 'arm64' | 'other';
  pageSize: number;
  /** Parameter files that exist. */
  params: ReadonlySet<string>;
  /** Parameters whose file has a write bit (0444 ones give EACCES). */
  writable: ReadonlySet<string>;
  /** Which per-slab file this kernel has (the first one any cache carries). */
  slabControl: 'kfence_enable' | 'skip_kfence' | null;
  /** Upstream: a disabled KFENCE can be enabled at runtime (>= 5.18). Alinux: always (in 1 GiB areas). */
  runtimeEnable: boolean;
  /** Alinux `fault` knob present. */
  fault: boolean;
  /** Alinux 5.10 <= -15: order-0 sampling may crash the host. */
  order0Unsafe: boolean;
  /** Refusal text when the kernel is below the guide's gates, else null. */
  tooOld: string | null;
  /** CONFIG_KFENCE_SAMPLE_INTERVAL when /boot/config was readable. */
  defaultInterval: number | null;
  /** CONFIG_KFENCE_NUM_OBJECTS or the Kconfig default 255. */
  defaultNumObjects: number;
  /** Possible NUMA nodes (pool_mode=node allocates on each). */
  nodes: number;
  /** PUD_SIZE: the Anolis area size (1 GiB with 4 KiB pages; 4 TiB or 512 MiB with arm64 64 KiB pages). */
  pudSize: number;
  /** CONFIG_KASAN from /boot/config: true/false, null when the config was unreadable. */
  kasan: boolean | null;
}

const ALINUX_MARKERS = ['num_objects', 'pool_mode', 'order0_page', 'num_objects_pernode'];

function archOf(m: string): Capabilities['arch'] {
  if (m === 'x86_64' || m === 'amd64') return 'x86_64';
  if (m === 'aarch64' || m === 'arm64') return 'arm64';
  return 'other';
}

function configInt(f: HostFacts, key: string): number | null {
  const v = f.kfence.config[key];
  if (v === undefined) return null;
  const n = Number(v.replace(/^"|"$/g, ''));
  return Number.isFinite(n) ? n : null;
}

export function capabilities(f: HostFacts): Capabilities {
  const params = new Set(Object.keys(f.kfence.params));
  const writable = new Set(
    Object.entries(f.kfence.params)
      .filter(([, p]) => (parseInt(p.mode, 8) & 0o222) !== 0)
      .map(([k]) => k),
  );
  const release = parseRelease(f.kernel.release);
  const arch = archOf(f.kernel.arch);
  let flavor: Flavor = 'none';
  if (f.kfence.present && params.has('sample_interval')) {
    flavor = ALINUX_MARKERS.some((k) => params.has(k)) ? 'alinux' : 'upstream';
  }
  let slabControl: Capabilities['slabControl'] = null;
  for (const s of Object.values(f.slabs)) {
    if (s.control) {
      slabControl = s.control;
      break;
    }
  }
  let tooOld: string | null = null;
  let order0Unsafe = false;
  let runtimeEnable = true;
  if (flavor === 'alinux') {
    const gate = arch === 'arm64' ? GATES.alinuxArm64 : GATES.alinuxX86;
    if (!release || !atLeast(release, gate)) {
      tooOld = `KFENCE on Alibaba Cloud Linux 3 ${arch === 'arm64' ? 'Arm' : 'x86'} needs kernel ${gate} or later (this host runs ${f.kernel.release})`;
    }
    order0Unsafe = !!release && !atLeast(release, GATES.order0SafeFrom);
  } else if (flavor === 'upstream') {
    // Capability first: `deferrable` arrived with late enable in 5.18; otherwise the release decides.
    runtimeEnable = params.has('deferrable') || (!!release && versionAtLeast(release, 5, 18));
  }
  const nodes = Math.max(1, f.numa.possible.length || f.numa.online.length);
  return {
    flavor,
    release,
    arch,
    pageSize: f.kernel.page_size > 0 ? f.kernel.page_size : 4096,
    params,
    writable,
    slabControl,
    runtimeEnable,
    fault: flavor === 'alinux' && params.has('fault'),
    order0Unsafe,
    tooOld,
    defaultInterval: configInt(f, 'CONFIG_KFENCE_SAMPLE_INTERVAL'),
    defaultNumObjects: configInt(f, 'CONFIG_KFENCE_NUM_OBJECTS') ?? DEFAULT_NUM_OBJECTS,
    nodes,
    pudSize: pudSize(f.kernel.page_size > 0 ? f.kernel.page_size : 4096, configInt(f, 'CONFIG_PGTABLE_LEVELS') ?? undefined),
    kasan: Object.keys(f.kfence.config).length === 0 ? null : f.kfence.config.CONFIG_KASAN === 'y' && !/(^|\s)kasan=off(\s|$)/.test(f.cmdline),
  };
}
