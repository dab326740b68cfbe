// The panic guard during the soak. With `fault: panic`, a host that reboots or goes away while it is
// watched may be in a KFENCE boot loop (a bug hit on every boot panics it). The guard around
// kfleet's own reboots (host-run.ts) does not see that, so a failed soak verdict gets its own look:
// wait for the host within reboot.timeout, and revert and quarantine it when the boot before the
// current one ended in a KFENCE panic, or when it showed two new boots since the soak's baseline.
// A host that crashed once for another reason, or never came back, keeps its soak verdict.
import type { HostFacts } from '../facts/types.js';
import type { RunContext } from './context.js';
import { loopDetected, previousBootKfencePanic } from './boot-loop.js';
import type { HostRunResult } from './ledger.js';
import { readBootId } from './reboot.js';

/** Soak verdicts after which the guard looks for a boot loop. */
export const GUARDED_SOAK_CODES = new Set(['UNEXPECTED_REBOOT', 'UNREACHABLE', 'CONNECTION_LOST']);

/**
 * `baselineBootId`: the boot id when the soak started; `lastBootId`: the last one the soak saw.
 * Returns the reverted (or revert-failed) result, or null when there is no sign of a KFENCE loop.
 */
export async function soakPanicGuard(ctx: RunContext, host: string, before: HostFacts, baselineBootId: string, lastBootId: string): Promise<HostRunResult | null> {
  const seen = new Set([baselineBootId, lastBootId]);
  const deadline = ctx.ports.now() + ctx.play.reboot.timeout_ms;
  await ctx.pool.drop(host);
  while (ctx.ports.now() < deadline) {
    try {
      const s = await ctx.pool.get(host);
      const id = await readBootId(s, 5000);
      if (id === '') throw new Error('no boot id');
      seen.add(id);
      const panic = await previousBootKfencePanic(ctx, host);
      if (panic) return await loopDetected(ctx, host, before, id, `during the soak: the boot before ${id} ended in a KFENCE panic: ${panic}`);
      // Two boots or more after the baseline: it keeps rebooting.
      if (seen.size >= 3) return await loopDetected(ctx, host, before, id, `during the soak the host booted ${seen.size - 1} times (boot ids ${[...seen].join(' -> ')})`);
      return null;
    } catch {
      await ctx.pool.drop(host);
      await ctx.ports.sleep(250);
    }
  }
  return null;
}
