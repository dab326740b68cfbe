// A validated raw play (zod's output) to the model in types.ts: defaults filled in, durations in
// ms, the sampling interval derived from the mode, top-level health folded into rollout.health.
import type { RawPlay } from './schema.js';
import { NOTIFY_EVENTS } from './notify.js';
import type { HealthSpec, KfenceSpec, Play, RebootSpec, RolloutSpec, SlabSelection, SourceRef } from './types.js';

export const DEFAULTS = {
  sample_interval: 100,
  apply: 'both',
  forks: 50,
  max_fail_percentage: 0,
  soak_ms: 0,
  promote: 'auto',
  unexpected_reboot: 'fail',
  kfence_bugs: 'report',
  reboot_allowed: false,
  reboot_max_parallel: 1,
  reboot_timeout_ms: 10 * 60_000,
  reboot_stable_for_ms: 30_000,
} as const;

function slabs(raw: RawPlay['kfence']['slabs']): SlabSelection {
  if (raw?.only) return { kind: 'only', names: raw.only };
  if (raw?.except) return { kind: 'except', names: raw.except };
  return { kind: 'all', names: [] };
}

export function normalizeKfence(k: RawPlay['kfence']): KfenceSpec {
  const interval = k.mode === 'sampling' ? (k.sample_interval ?? DEFAULTS.sample_interval) : k.mode === 'full' ? -1 : 0;
  return {
    mode: k.mode,
    sample_interval: interval,
    ...(k.num_objects !== undefined ? { num_objects: k.num_objects } : {}),
    ...(k.pool_mode !== undefined ? { pool_mode: k.pool_mode } : {}),
    ...(k.order0_page !== undefined ? { order0_page: k.order0_page } : {}),
    ...(k.fault !== undefined ? { fault: k.fault } : {}),
    slabs: slabs(k.slabs),
    ...(k.booting_max !== undefined ? { booting_max: k.booting_max } : {}),
    apply: k.apply ?? DEFAULTS.apply,
    ...(k.memory_budget !== undefined ? { memory_budget: k.memory_budget } : {}),
    acknowledge_panic: k.acknowledge_panic ?? false,
  };
}

function health(raw: RawPlay['health']): HealthSpec {
  return {
    unexpected_reboot: raw?.unexpected_reboot ?? DEFAULTS.unexpected_reboot,
    kfence_bugs: raw?.kfence_bugs ?? DEFAULTS.kfence_bugs,
    ...(raw?.command !== undefined ? { command: raw.command } : {}),
  };
}

function rollout(raw: RawPlay): RolloutSpec {
  const r = raw.rollout;
  return {
    phases: r?.phases ?? [{ kind: 'percent', percent: 100 }],
    forks: r?.forks ?? DEFAULTS.forks,
    max_fail_percentage: r?.max_fail_percentage ?? DEFAULTS.max_fail_percentage,
    ...(r?.max_failed_hosts !== undefined ? { max_failed_hosts: r.max_failed_hosts } : {}),
    soak_ms: r?.soak ?? DEFAULTS.soak_ms,
    promote: r?.promote ?? DEFAULTS.promote,
    health: health(r?.health ?? raw.health),
  };
}

function reboot(raw: RawPlay['reboot']): RebootSpec {
  return {
    allowed: raw?.allowed ?? DEFAULTS.reboot_allowed,
    max_parallel: raw?.max_parallel ?? DEFAULTS.reboot_max_parallel,
    timeout_ms: raw?.timeout ?? DEFAULTS.reboot_timeout_ms,
    stable_for_ms: raw?.stable_for ?? DEFAULTS.reboot_stable_for_ms,
    // Absent means preferred for the plan (src/plan/trial.ts); the engine boots trials only where
    // the playbook sets it (until every reboot test runs through trials).
    ...(raw?.trial ? { trial: raw.trial } : {}),
  };
}

export function normalizePlay(raw: RawPlay, source: SourceRef, hostsSource?: SourceRef): Play {
  return {
    name: raw.name ?? raw.hosts,
    hosts: raw.hosts,
    ...(hostsSource ? { hosts_source: hostsSource } : {}),
    kfence: normalizeKfence(raw.kfence),
    has_rollout: raw.rollout !== undefined,
    rollout: rollout(raw),
    reboot: reboot(raw.reboot),
    ...(raw.notify ? { notify: raw.notify.map((w) => ({ url: w.url, format: w.format ?? 'json', events: w.events ?? [...NOTIFY_EVENTS] })) } : {}),
    source,
  };
}
