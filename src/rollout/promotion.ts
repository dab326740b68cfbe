// Manual promotion between phases: the run waits until `kfleet promote` (or aborts on `kfleet abort`).
import type { RunContext } from './context.js';
import { abortRequested, consumePromote } from './control.js';

/** Wait for the promotion of phase `index`; false when the run was aborted meanwhile. */
export async function awaitPromotion(ctx: RunContext, index: number): Promise<boolean> {
  ctx.ledger.phase(index, 'wait_promote');
  ctx.bus.emit({ type: 'phase.wait_promote', run: ctx.run, phase: index + 1 });
  while (!consumePromote(ctx.stateDir, ctx.run, index + 1)) {
    if (abortRequested(ctx.stateDir, ctx.run)) return false;
    await ctx.ports.sleep(500);
  }
  ctx.ledger.phase(index, 'promoted');
  return true;
}
