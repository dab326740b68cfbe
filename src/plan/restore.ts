// Restore planning (pure): what puts a host back to the state recorded before a run, the way any
// change is planned. `kfleet rollback` and the fault=panic boot-loop guard use it:
// - the live KFENCE values, through planHost (so the kernel's write-order rules and its refusals
//   hold), as an `apply: runtime` play whose spec reproduces the recorded values;
// - the managed tokens (kfence.*, kfleet.*) of every grubby entry the host had before;
// - kfleet's boot unit (removed, or rebuilt when the recorded selection reproduces its hash);
// - a reboot where the booted command line differs from the recorded one, or where the live
//   state can only come back at boot (a small Alinux pool, an upstream kernel without late enable);
// and `restoreGaps`, the read-back: what still differs from the record after the restore.

import { restoreBootArgs } from '../bootloader/restore.js';
import type { HostFacts } from '../facts/types.js';
import type { KfenceSpec, Play } from '../playbook/types.js';
import type { BootArgsChange, BootUnitChange, HostPlan, Refusal } from './types.js';
import { planHost } from './plan-host.js';
import { installUnit } from './boot-unit.js';
import { memBytes } from './estimate.js';
import { capabilities } from '../kernel/capabilities.js';
import { bootOutcome } from '../kernel/boot-outcome.js';
import { formatToken, kfenceArgs, tokenize } from '../kernel/cmdline.js';
import { liveState, numObjectsMatch } from '../kernel/live.js';
import { liveMonitored } from '../kernel/slabs.js';

/** The command-line tokens kfleet manages: the kernel's kfence.* and kfleet's kfleet.* marker (last occurrence wins). */
export function managedArgs(line: string): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const t of tokenize(line)) if (t.key.startsWith('kfence.') || t.key.startsWith('kfleet.')) m.set(t.key, t.value);
  return m;
}

export function sameManagedArgs(a: string, b: string): boolean {
  const x = managedArgs(a);
  const y = managedArgs(b);
  return x.size === y.size && [...x].every(([k, v]) => y.has(k) && y.get(k) === v);
}

const showArgs = (line: string): string => [...managedArgs(line)].map(([k, v]) => formatToken(k, v)).join(' ') || '(none)';

/** The desired state that reproduces `before`'s live KFENCE values (apply: runtime). */
export function specFromFacts(before: HostFacts): KfenceSpec {
  const p = before.kfence.params;
  const interval = Number(p.sample_interval?.value ?? '0') || 0;
  const slabs = Object.entries(before.slabs).filter(([, s]) => s.control !== null && !s.alias_of);
  const monitored = slabs.filter(([, s]) => liveMonitored(s) === true).map(([n]) => n);
  const spec: KfenceSpec = {
    mode: interval === 0 ? 'off' : interval < 0 ? 'full' : 'sampling',
    sample_interval: interval,
    slabs: monitored.length === slabs.length ? { kind: 'all', names: [] } : { kind: 'only', names: monitored },
    apply: 'runtime',
    acknowledge_panic: true,
  };
  // Also with KFENCE off: a run cut between its writes can leave fault or order0_page changed on a disabled KFENCE.
  if (p.num_objects?.value && /^\d+$/.test(p.num_objects.value.trim())) spec.num_objects = Number(p.num_objects.value.trim());
  const pm = p.pool_mode?.value?.trim();
  if (pm === 'global' || pm === 'node') spec.pool_mode = pm;
  if (p.order0_page?.value) spec.order0_page = ['1', 'Y', 'y'].includes(p.order0_page.value.trim());
  const fault = p.fault?.value?.trim();
  if (fault === 'report' || fault === 'panic') spec.fault = fault;
  return spec;
}

/** grubby changes (one per entry, as entries may differ) that put every entry's managed tokens back to
 *  what `before` recorded, given how they are `now`. Entries the host did not have before are left alone. */
export function revertArgsChanges(before: HostFacts, now: HostFacts): BootArgsChange[] {
  return restoreBootArgs(before, now);
}

/** kfleet's boot unit as it was: removed if the run installed it; rebuilt if the run replaced it and the
 *  recorded slab selection reproduces the recorded hash; otherwise a refusal (the old script is not recorded).
 *  A current unit whose hash was not read (null) is taken as unchanged. */
export function unitRestore(before: HostFacts, now: HostFacts): { change: BootUnitChange | null; refusal: Refusal | null } {
  const b = before.boot_unit;
  const n = now.boot_unit;
  if (!b.installed) return { change: n.installed ? { action: 'remove', script: '', hash: '' } : null, refusal: null };
  if (n.installed && (n.hash === null || b.hash === null || n.hash === b.hash)) return { change: null, refusal: null };
  const control = capabilities(before).slabControl;
  const caches = Object.entries(before.slabs).filter(([, s]) => s.control !== null && !s.alias_of);
  if (control && b.hash) {
    const on = caches.filter(([, s]) => liveMonitored(s) === true).map(([k]) => k).sort();
    const off = caches.filter(([, s]) => liveMonitored(s) === false).map(([k]) => k).sort();
    for (const u of [installUnit({ control, kind: 'only', names: on }), installUnit({ control, kind: 'except', names: off })]) if (u.hash === b.hash) return { change: u, refusal: null };
  }
  return { change: null, refusal: { code: 'ROLLBACK_UNIT_UNKNOWN', message: `the run ${n.installed ? 'replaced' : 'removed'} kfleet's boot unit (recorded sha256 ${b.hash?.slice(0, 12) ?? '?'}) and its previous script cannot be rebuilt from the recorded facts`, hint: 'apply the playbook that installed it again, or remove the unit by hand' } };
}

/** The unit change of `unitRestore` (null when none, or when it cannot be rebuilt). */
export function revertUnitChange(before: HostFacts, now: HostFacts): BootUnitChange | null {
  return unitRestore(before, now).change;
}

export interface RestorePlan {
  /** Live writes that restore the recorded values (planHost with `apply: runtime`); null when the live state already matches or waits for the reboot. */
  live: HostPlan | null;
  args: BootArgsChange[];
  unit: BootUnitChange | null;
  reboot: { required: boolean; reasons: string[] };
  /** Non-empty: the recorded state cannot be restored (live refused and no boot brings it back, or the unit cannot be rebuilt). */
  refused: Refusal[];
}

/**
 * The restore of `now` to `before`. `afterBoot` is set when the host has just rebooted for the
 * restore: then no further reboot is asked, and what the boot did not bring back must come live.
 */
export function planRestore(play: Play, before: HostFacts, now: HostFacts, afterBoot = false): RestorePlan {
  const args = revertArgsChanges(before, now);
  const { change: unit, refusal } = unitRestore(before, now);
  const refused: Refusal[] = refusal ? [refusal] : [];
  const reasons: string[] = [];
  if (!sameManagedArgs(now.cmdline, before.cmdline)) reasons.push(`the host booted with ${showArgs(now.cmdline)}; the recorded boot had ${showArgs(before.cmdline)}`);
  const liveDiffers = liveGaps(before, now).length > 0;
  let live: HostPlan | null = null;
  if (liveDiffers && (reasons.length === 0 || afterBoot)) {
    const p = planHost({ ...play, kfence: specFromFacts(before) }, now);
    if (p.refused.length === 0) live = p;
    else if (afterBoot) refused.push(...p.refused.map((r) => ({ ...r, message: `after the restore reboot the recorded live state still cannot be written: ${r.message}` })));
    else {
      // Can a boot with the recorded args bring it back? Only if that boot yields the recorded interval.
      const caps = capabilities(now);
      const boots = bootOutcome(kfenceArgs(before.cmdline), caps, memBytes(now)).interval;
      const want = liveState(before).interval;
      const why = p.refused.map((r) => r.message).join('; ');
      if (boots === want) reasons.push(`the recorded live state cannot be written now (${why}); a boot with the recorded args restores it`);
      else refused.push({ code: 'ROLLBACK_IMPOSSIBLE', message: `the recorded live state (sample_interval ${want ?? '?'}) cannot be written now (${why}), and a boot with the recorded args gives sample_interval ${boots ?? '?'}`, hint: 'restore it by hand, or apply a playbook with the wanted state' });
    }
  }
  const required = !afterBoot && reasons.length > 0 && refused.length === 0;
  return { live, args, unit, reboot: { required, reasons: required ? reasons : [] }, refused };
}

/** What of the live state differs from the record (parameter values, per-slab selection). */
export function liveGaps(before: HostFacts, after: HostFacts): string[] {
  const gaps: string[] = [];
  const caps = capabilities(after);
  const names = new Set([...Object.keys(before.kfence.params), ...Object.keys(after.kfence.params)]);
  for (const k of [...names].sort()) {
    const b = before.kfence.params[k]?.value?.trim() ?? null;
    const a = after.kfence.params[k]?.value?.trim() ?? null;
    if (a === b) continue;
    if (k === 'num_objects' && a !== null && b !== null && /^\d+$/.test(b) && numObjectsMatch(Number(a), Number(b), caps.pageSize, caps.nodes, true)) continue;
    gaps.push(`${k} is ${a ?? '(absent)'}, recorded ${b ?? '(absent)'}`);
  }
  const off: string[] = [];
  for (const [n, s] of Object.entries(before.slabs)) {
    if (s.alias_of || s.control === null) continue;
    const b = liveMonitored(s);
    const a = liveMonitored(after.slabs[n]);
    if (a !== b) off.push(`${n} ${a ? 'monitored' : 'not monitored'}`);
  }
  if (off.length) gaps.push(`per-slab selection differs: ${off.slice(0, 5).join(', ')}${off.length > 5 ? `, ... (${off.length})` : ''}`);
  return gaps;
}

/** What of the configured boot state (grubby entries, the boot unit) differs from the record. */
export function configuredGaps(before: HostFacts, after: HostFacts): string[] {
  const gaps: string[] = [];
  const now = new Map(after.grubby.entries.map((e) => [e.kernel, e.args]));
  for (const e of before.grubby.entries) {
    const a = now.get(e.kernel);
    if (a !== undefined && !sameManagedArgs(a, e.args)) gaps.push(`boot entry ${e.kernel} has ${showArgs(a)}, recorded ${showArgs(e.args)}`);
  }
  const b = before.boot_unit;
  const u = after.boot_unit;
  if (b.installed !== u.installed || (b.installed && b.hash !== null && u.hash !== null && b.hash !== u.hash)) gaps.push(`kfleet's boot unit is ${u.installed ? `installed (${u.hash?.slice(0, 12) ?? '?'})` : 'absent'}, recorded ${b.installed ? `installed (${b.hash?.slice(0, 12) ?? '?'})` : 'absent'}`);
  return gaps;
}

/** Everything that still differs from the record: live values, configured boot state, booted args. */
export function restoreGaps(before: HostFacts, after: HostFacts): { live: string[]; configured: string[]; booted: string[] } {
  return {
    live: liveGaps(before, after),
    configured: configuredGaps(before, after),
    booted: sameManagedArgs(after.cmdline, before.cmdline) ? [] : [`the host runs with ${showArgs(after.cmdline)}, recorded ${showArgs(before.cmdline)}`],
  };
}
