// Putting a host's kernel arguments back to what they were before the run (pure): used for the
// boot-loop guard with fault=panic, and by `kfleet rollback`.
import type { HostFacts } from '../facts/types.js';
import type { BootArgsChange, BootUnitChange } from '../plan/types.js';
import { kfenceTokens } from '../converge/boot-args.js';

function tokensToString(m: Map<string, string | null>): string[] {
  return [...m].map(([k, v]) => (v === null ? k : `${k}=${v}`));
}

/** grubby changes (one per entry, as entries may differ) that restore every entry's kfence.*
 *  tokens to what `before` recorded, given how they are `now`. */
export function revertArgsChanges(before: HostFacts, now: HostFacts): BootArgsChange[] {
  const prev = new Map(before.grubby.entries.map((e) => [e.kernel, e.args]));
  const out: BootArgsChange[] = [];
  for (const e of now.grubby.entries) {
    const was = prev.get(e.kernel);
    if (was === undefined) continue;
    const want = kfenceTokens(was);
    const have = kfenceTokens(e.args);
    const add = [...want].filter(([k, v]) => !have.has(k) || have.get(k) !== v);
    const remove = [...have.keys()].filter((k) => !want.has(k));
    if (add.length === 0 && remove.length === 0) continue;
    out.push({
      kernels: [e.kernel],
      add: tokensToString(new Map(add)),
      remove,
      entries: [{ kernel: e.kernel, before: e.args, after: was }],
    });
  }
  return out;
}

/** Remove kfleet's boot unit if the run installed it. */
export function revertUnitChange(before: HostFacts, now: HostFacts): BootUnitChange | null {
  if (!before.boot_unit.installed && now.boot_unit.installed) return { action: 'remove', script: '', hash: '' };
  return null;
}
