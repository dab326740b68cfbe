// With fault=panic, is a host looping on a KFENCE panic? The evidence (another boot since, or a
// KFENCE panic that ended the previous boot) and the decision to revert.
import type { HostFacts } from '../facts/types.js';
import type { RunContext } from './context.js';
import type { HostRunResult } from './ledger.js';
import { readBootId } from './reboot.js';
import { revertHost } from './revert-host.js';

/** A KFENCE panic in the log of the boot before the current one (`journalctl -k -b -1`), or null. */
export async function previousBootKfencePanic(ctx: RunContext, host: string): Promise<string | null> {
  const s = await ctx.pool.get(host);
  const r = await s.exec(`journalctl -k -b -1 --no-pager 2>/dev/null | grep -E 'BUG: KFENCE|Kernel panic - not syncing' | tail -n 20`, { become: true, timeoutMs: Math.min(ctx.commandTimeoutMs, 15_000) });
  const lines = r.stdout.split('\n').map((l) => l.trim());
  const panic = lines.find((l) => /Kernel panic - not syncing/.test(l));
  if (!panic) return null;
  return /kfence/i.test(panic) || lines.some((l) => /BUG: KFENCE/.test(l)) ? panic.replace(/^.*?(Kernel panic)/, '$1') : null;
}

/** With fault=panic, is there evidence that the boot `bootId` looped (another boot since, or a KFENCE panic before the current boot)? */
export async function bootLoopEvidence(ctx: RunContext, host: string, bootId: string, waitMs: number): Promise<string | null> {
  const deadline = ctx.ports.now() + waitMs;
  for (;;) {
    try {
      const s = await ctx.pool.get(host);
      const id = await readBootId(s, 5000);
      if (id !== bootId && id !== '') return `the host booted again (boot id ${bootId} -> ${id})`;
      const panic = await previousBootKfencePanic(ctx, host);
      if (panic) return `the boot before ${id} ended in a KFENCE panic: ${panic}`;
      return null;
    } catch {
      await ctx.pool.drop(host);
      if (ctx.ports.now() >= deadline) return null;
      await ctx.ports.sleep(250);
    }
  }
}

export async function loopDetected(ctx: RunContext, host: string, before: HostFacts, bootId: string, why: string, after?: string): Promise<HostRunResult> {
  ctx.ledger.reboot(host, { stage: 'loop', boot_id_before: bootId, ...(after ? { boot_id_after: after } : {}) });
  ctx.bus.emit({ type: 'host.reboot', host, stage: 'failed', detail: `boot loop suspected: ${why}` });
  return revertHost(ctx, host, before, why);
}
