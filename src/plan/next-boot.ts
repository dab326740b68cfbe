// What the next boot does to KFENCE on a host, without a playbook: the configured entry's args
// (the bootloader's next boot) are the desired state, and the planner's own derivation decides
// (DESIGN principle 2: configured args, booted args, live values). `status`, its Prometheus metric
// and `plan` therefore agree: a boot entry whose args differ from /proc/cmdline only in ways that
// do not change what runs (the live kernel already shows it, e.g. KFENCE turned off live and on
// the command line) is not a pending reboot.

import type { GrubbyEntry, HostFacts } from '../facts/types.js';
import { bootOutcome } from '../kernel/boot-outcome.js';
import { capabilities } from '../kernel/capabilities.js';
import { isManagedKey, kfenceArgs, managedDiff, managedTokens } from '../kernel/cmdline.js';
import { liveState, numObjectsMatch } from '../kernel/live.js';
import { liveMonitored, realCaches } from '../kernel/slabs.js';
import { UNIT_MARKER } from './boot-unit.js';
import { relevantEntries } from './boot-args.js';
import { memBytes } from './estimate.js';
import { deriveReboot, type EffectCheck } from './reboot.js';

export interface NextBoot {
  /** The entry the bootloader boots next (grubby's default), or null when unknown. */
  entry: GrubbyEntry | null;
  /** A reboot would change KFENCE's live state to what the next entry's args yield. */
  pending: boolean;
  /** Managed args (kfence.*, kfleet.*) the next boot adds or changes (`k=v`) or drops (`-k`). */
  args: string[];
  /** Per knob: live now -> after the next boot, for each knob a reboot would change. */
  reasons: string[];
}

/**
 * The boot unit's marker differs between the next entry and this boot: the unit's per-slab selection
 * is not known here (only its hash), so, like the planner, count it pending only when the live
 * selection shows it was not applied (all caches at the kernel default while a unit will run) or
 * will be undone (a selection live while the next boot runs no unit).
 */
function unitPending(f: HostFacts, entry: GrubbyEntry): string | null {
  const next = managedTokens(entry.args).get(UNIT_MARKER);
  if (next === managedTokens(f.cmdline).get(UNIT_MARKER)) return null;
  const atDefault = realCaches(f.slabs).every((c) => liveMonitored(f.slabs[c]) !== false);
  if (next !== undefined && f.boot_unit.installed && atDefault) return 'per-slab selection is applied by the boot unit at the next boot';
  if (next === undefined && !atDefault) return 'per-slab selection is reset to the kernel default at the next boot';
  return null;
}

export function nextBoot(f: HostFacts): NextBoot {
  const entry = relevantEntries(f).next;
  if (!entry) return { entry: null, pending: false, args: [], reasons: [] };
  const args = managedDiff(f.cmdline, entry.args);
  const caps = capabilities(f);
  if (args.length === 0 || caps.flavor === 'none') return { entry, pending: false, args: [], reasons: [] };
  const configured = kfenceArgs(entry.args);
  const o = bootOutcome(configured, caps, memBytes(f));
  const live = liveState(f);
  const checks: EffectCheck[] = [];
  const add = (knob: string, liveV: string | number | boolean | null, want: string | number | boolean | null, ok: boolean): void => {
    const s = (v: string | number | boolean | null): string | null => (v === null ? null : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
    checks.push({ knob, live: s(liveV), want: s(want), ok, fixedLive: false });
  };
  if (o.interval !== null) add('sample_interval', live.interval, o.interval, live.interval === o.interval);
  if (caps.flavor === 'alinux') {
    const has = (k: string): boolean => configured[`kfence.${k}`] !== undefined;
    if (has('num_objects') && o.interval !== 0 && o.numObjects !== null) {
      add('num_objects', live.numObjects, o.numObjects, numObjectsMatch(live.numObjects, o.numObjects, caps.pageSize, caps.nodes, o.poolMode === 'node' || (o.interval ?? 0) < 0, caps.pudSize));
    }
    if (has('pool_mode')) add('pool_mode', live.poolMode, o.poolMode, live.poolMode === o.poolMode);
    if (has('order0_page')) add('order0_page', live.order0, o.order0, live.order0 === o.order0);
    if (has('fault') && caps.fault) add('fault', live.fault, o.fault, live.fault === o.fault);
  }
  // The configured entry is the desired command line: keys it lacks must be absent.
  const desired: Record<string, string | null> = {};
  for (const [k, v] of managedTokens(entry.args)) desired[k] = v;
  for (const k of managedTokens(f.cmdline).keys()) if (!(k in desired) && isManagedKey(k)) desired[k] = null;
  const rb = deriveReboot(checks, f.cmdline, desired, unitPending(f, entry));
  return { entry, pending: rb.required, args: rb.required ? args : [], reasons: rb.reasons };
}
