// Putting a host's kernel arguments back to what they were before the run (pure): used for the
// boot-loop guard with fault=panic, and by `kfleet rollback`.
import type { HostFacts } from '../facts/types.js';
import type { BootArgsChange, BootUnitChange } from '../plan/types.js';
import { restoreBootArgs } from '../bootloader/restore.js';

/** The changes that restore every entry's kfence.* tokens to what `before` recorded, given how
 *  they are `now`, on the host's bootloader (grubby: one change per entry; Debian GRUB: the
 *  drop-in as it was; kernel-install: /etc/kernel/cmdline and the entries): the bootloader port's
 *  restoreBootArgs. */
export function revertArgsChanges(before: HostFacts, now: HostFacts): BootArgsChange[] {
  return restoreBootArgs(before, now);
}

/** Remove kfleet's boot unit if the run installed it. */
export function revertUnitChange(before: HostFacts, now: HostFacts): BootUnitChange | null {
  if (!before.boot_unit.installed && now.boot_unit.installed) return { action: 'remove', script: '', hash: '' };
  return null;
}
