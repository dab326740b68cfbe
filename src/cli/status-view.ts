// What `kfleet status` shows per host, derived (purely) from HostFacts: no playbook needed.
import type { HostFacts } from '../facts/types.js';
import { liveState, parseInterval } from '../kernel/live.js';
import { liveMonitored, realCaches } from '../kernel/slabs.js';
import { nextBoot } from '../plan/next-boot.js';
import { bootView } from '../bootloader/facts.js';
import { totalBugs } from '../report/parse-stats.js';

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
  /** Managed args (kfence.*, kfleet.*) the next boot changes, when it changes KFENCE's state. */
  pending_args: string[];
  bugs: number | null;
  /** How the host sets kernel args: grubby, grub-debian, kernel-install, or null (none found). */
  bootloader: string | null;
}

export function statusView(f: HostFacts): HostStatusView {
  const p = f.kfence.params;
  const live = liveState(f);
  const interval = live.interval;
  const caches = realCaches(f.slabs).filter((n) => f.slabs[n]?.control);
  const monitored = caches.filter((n) => liveMonitored(f.slabs[n]) === true);
  const next = nextBoot(f);
  return {
    host: f.host,
    release: f.kernel.release,
    kfence: f.kfence.present,
    enabled: f.kfence.stats?.enabled ?? (interval === null ? null : interval !== 0),
    mode: !f.kfence.present ? 'absent' : interval === null || interval === 0 ? 'off' : interval < 0 ? 'full' : 'sampling',
    sample_interval: interval,
    pool_objects: live.numObjects ?? parseInterval(f.kfence.config.CONFIG_KFENCE_NUM_OBJECTS),
    pool_mode: p.pool_mode?.value ?? null,
    fault: p.fault?.value ?? null,
    order0_page: p.order0_page?.value ?? null,
    slabs: caches.length === 0 ? 'n/a' : monitored.length === caches.length ? 'all' : monitored.length === 0 ? 'none' : `${monitored.length} of ${caches.length}`,
    monitored_slabs: caches.length && monitored.length < caches.length ? monitored : null,
    pending_reboot: next.pending,
    pending_args: next.args,
    bugs: totalBugs(f.kfence.stats),
    bootloader: bootView(f).mechanism,
  };
}
