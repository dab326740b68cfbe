// The kernel command line kfleet wants (kfence.* tokens) and the grubby change that gets it onto
// every entry the bootloader will boot (grubby --update-kernel=ALL semantics). Other mechanisms
// are planned in ./boot-mechanisms.ts.

import type { GrubbyEntry, HostFacts } from '../facts/types.js';
import type { BootArgsChange } from './types.js';
import type { Capabilities } from '../kernel/capabilities.js';
import type { Target } from './target.js';
import { carries, formatToken, grubbyApply, tokenize } from '../kernel/cmdline.js';
import { bootView } from '../bootloader/facts.js';

/**
 * kfence.* key -> value (null = must be absent). Keys the play leaves alone are not listed.
 * `carryPool` false leaves sample_interval/num_objects/pool_mode off the list (arm64 pools >= 1 GiB).
 */
export function desiredArgs(t: Target, caps: Capabilities, carryPool: boolean): Record<string, string | null> {
  const a: Record<string, string | null> = {};
  if (carryPool) {
    // Off: drop the token when the kernel's built-in default is already 0, otherwise say 0.
    a['kfence.sample_interval'] = t.interval === 0 && caps.defaultInterval === 0 ? null : String(t.interval);
  }
  if (caps.flavor === 'alinux') {
    if (carryPool && t.numObjects !== undefined) a['kfence.num_objects'] = String(t.numObjects);
    if (carryPool && t.poolMode !== undefined) a['kfence.pool_mode'] = t.poolMode;
    if (t.order0 !== undefined) a['kfence.order0_page'] = t.order0 ? '1' : '0';
    if (t.fault !== undefined) a['kfence.fault'] = t.fault;
    if (t.bootingMax !== undefined) a['kfence.booting_max'] = t.bootingMax;
  } else if (t.bootingMax === null) {
    a['kfence.booting_max'] = null;
  }
  return a;
}

/** The default entry (the next boot) and every entry the bootloader will boot: args are set on
 *  all of them, so a fallback or an older kernel boots with KFENCE too. */
export function relevantEntries(f: HostFacts): { next: GrubbyEntry | null; entries: GrubbyEntry[] } {
  const b = bootView(f);
  const next = b.default_kernel === null ? null : b.entries.find((e) => e.kernel === b.default_kernel) ?? null;
  return { next, entries: b.entries };
}

/** The per-entry change, or null when every entry already carries the desired args. */
export function bootArgsChange(entries: GrubbyEntry[], want: Record<string, string | null>): BootArgsChange | null {
  const changed = entries.filter((e) => !carries(e.args, want));
  if (changed.length === 0) return null;
  const add = new Set<string>();
  const remove = new Set<string>();
  for (const e of changed) {
    const toks = tokenize(e.args);
    for (const [k, v] of Object.entries(want)) {
      const occ = toks.filter((t) => t.key === k);
      const last = occ[occ.length - 1];
      if (v === null) {
        if (occ.length > 0) remove.add(k);
        continue;
      }
      // Several occurrences: remove them all, then add the one token (grubby removes before it adds).
      if (occ.length > 1) remove.add(k);
      if (occ.length !== 1 || last?.value !== v) add.add(formatToken(k, v));
    }
  }
  const addList = [...add].sort();
  const removeList = [...remove].sort();
  const every = changed.length === entries.length && entries.length > 1;
  return {
    mechanism: 'grubby',
    // Every entry changes: --update-kernel=ALL, which also sets what grubby gives kernels installed later.
    kernels: every ? ['ALL'] : changed.map((e) => e.kernel),
    add: addList,
    remove: removeList,
    // Exactly what grubby makes of each entry with these add/remove lists (converge reads it back).
    entries: changed.map((e) => ({ kernel: e.kernel, before: e.args, after: grubbyApply(e.args, addList, removeList) })),
  };
}
