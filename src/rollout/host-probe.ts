// One probe of one host: its facts (one round trip) and the planner's plan for them.
import type { HostFacts } from '../facts/types.js';
import type { HostPlan } from '../plan/types.js';
import type { EventBus } from '../events.js';
import type { RolloutPorts } from './ports.js';
import type { SessionPool } from './sessions.js';

export interface Probed {
  facts: HostFacts;
  plan: HostPlan;
}

export async function probe(ctx: { pool: SessionPool; ports: RolloutPorts; bus: EventBus }, host: string): Promise<Probed> {
  const session = await ctx.pool.get(host);
  const t0 = ctx.ports.now();
  const facts = await ctx.ports.collect(session, host);
  ctx.bus.emit({ type: 'host.facts', host, release: facts.kernel.release, ms: ctx.ports.now() - t0 });
  const plan = ctx.ports.plan(facts);
  ctx.bus.emit({ type: 'host.plan', host, changes: plan.changes.length, reboot_required: plan.reboot.required, refused: plan.refused.length > 0, bootloader: plan.bootloader ?? null });
  return { facts, plan };
}
