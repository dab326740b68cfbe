// What `kfleet status` shows per host, derived (purely) from HostFacts: no playbook needed.
import type { HostFacts } from '../facts/types.js';
import { kfenceTokens } from '../converge/boot-args.js';
import { bootView } from '../bootloader/facts.js';

export interface HostStatusView {
  host: string;
  release: string;
  kfence: boolean;
  enabled: boolean | null;
  mode: 'off' | 'sampling' | 'full' | 'absent';
  sample_interval: number | null;
  pool_objects: number | null;
  pool_mode: string | null;
  fault: string | null;
  order0_page: string | null;
  /** "all", "none", or "N of M caches" (monitored / total). */
  slabs: string;
  monitored_slabs: string[] | null;
  pending_reboot: boolean;
  /** kfence.* args that the next boot will use but the running kernel did not boot with. */
  pending_args: string[];
  bugs: number | null;
  /** How the host sets kernel args: grubby, grub-debian, kernel-install, or null (none found). */
  bootloader: string | null;
}

function num(v: string | null | undefined): number | null {
  if (v === null || v === undefined || !/^-?\d+$/.test(v.trim())) return null;
  return Number(v.trim());
}

export function statusView(f: HostFacts): HostStatusView {
  const p = f.kfence.params;
  const interval = num(p.sample_interval?.value);
  const slabs = Object.entries(f.slabs).filter(([, s]) => s.control !== null && !s.alias_of);
  const monitored = slabs.filter(([, s]) => (s.control === 'kfence_enable' ? s.value === '1' : s.value === '0')).map(([n]) => n);
  const boot = bootView(f);
  const nextEntry = boot.entries.find((e) => e.kernel === boot.default_kernel) ?? boot.entries[0];
  const booted = kfenceTokens(f.cmdline);
  const next = nextEntry ? kfenceTokens(nextEntry.args) : booted;
  const pending: string[] = [];
  for (const [k, v] of next) if (booted.get(k) !== v || !booted.has(k)) pending.push(v === null ? k : `${k}=${v}`);
  for (const k of booted.keys()) if (!next.has(k)) pending.push(`-${k}`);
  return {
    host: f.host,
    release: f.kernel.release,
    kfence: f.kfence.present,
    enabled: f.kfence.stats?.enabled ?? (interval === null ? null : interval !== 0),
    mode: !f.kfence.present ? 'absent' : interval === null || interval === 0 ? 'off' : interval < 0 ? 'full' : 'sampling',
    sample_interval: interval,
    pool_objects: num(p.num_objects?.value) ?? num(f.kfence.config.CONFIG_KFENCE_NUM_OBJECTS),
    pool_mode: p.pool_mode?.value ?? null,
    fault: p.fault?.value ?? null,
    order0_page: p.order0_page?.value ?? null,
    slabs: slabs.length === 0 ? 'n/a' : monitored.length === slabs.length ? 'all' : monitored.length === 0 ? 'none' : `${monitored.length} of ${slabs.length}`,
    monitored_slabs: slabs.length && monitored.length < slabs.length ? monitored : null,
    pending_reboot: nextEntry !== undefined && pending.length > 0,
    pending_args: nextEntry ? pending : [],
    bugs: f.kfence.stats?.counters['total bugs'] ?? null,
    bootloader: boot.mechanism,
  };
}
