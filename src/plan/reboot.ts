// Reboot need, derived from state only (DESIGN principle 2): desired args, configured args
// (grubby) and booted args (/proc/cmdline), plus the live values. A reboot is required iff some
// desired effect is not live, is not being made live by this plan's runtime steps, and the booted
// command line does not already carry the desired tokens. A host that booted with the desired
// args and still does not show the effect gets a warning, never another reboot.

import { carries } from '../kernel/cmdline.js';

export interface EffectCheck {
  knob: string;
  live: string | null;
  want: string | null;
  ok: boolean;
  /** The plan's runtime steps make it live. */
  fixedLive: boolean;
  /** Why it is not made live now (runtime impossible, apply: boot). */
  because?: string;
}

export interface RebootDecision {
  required: boolean;
  reasons: string[];
  warnings: string[];
}

export function deriveReboot(checks: EffectCheck[], bootedCmdline: string, desired: Record<string, string | null>, unitPending: string | null): RebootDecision {
  const pending = checks.filter((c) => !c.ok && !c.fixedLive);
  const reasons: string[] = [];
  const warnings: string[] = [];
  const booted = carries(bootedCmdline, desired);
  for (const c of pending) {
    const what = `${c.knob}: live ${c.live ?? '?'}, ${c.want ?? '?'} after boot`;
    if (!booted) reasons.push(`${what}${c.because ? ` (${c.because})` : ''}`);
    else warnings.push(`${c.knob} is ${c.live ?? '?'} although this boot's command line carries the desired args (expected ${c.want ?? '?'}); not asking for another reboot`);
  }
  if (unitPending) reasons.push(unitPending);
  return { required: reasons.length > 0, reasons, warnings };
}
