// Verification of a changed host: probe and plan again, the plan must be empty now. After a boot,
// with fault=panic, first look for a KFENCE boot loop; then the host must stay up for stable_for.
import type { HostFacts } from '../facts/types.js';
import type { HostPlan } from '../plan/types.js';
import { planIsEmpty } from '../plan/types.js';
import type { RunContext } from './context.js';
import { bootLoopEvidence, loopDetected, previousBootKfencePanic } from './boot-loop.js';
import { errOf, fail } from './host-fail.js';
import { probe } from './host-probe.js';
import type { HostRunResult } from './ledger.js';
import { readBootId } from './reboot.js';

/** What a verification plan still wants, in words (changes, refusals, reboot reasons). */
export function differences(plan: HostPlan): string {
  const parts = [
    ...plan.changes.map((c) => `${c.knob} ${c.before} -> ${c.after}`),
    ...plan.refused.map((r) => `refused: ${r.code}: ${r.message}`),
    ...plan.reboot.reasons,
  ];
  return parts.join('; ') || 'a step the planner still wants (see kfleet plan)';
}

/** No reboot needed: probe again, the plan must be empty now. */
export async function verifyLive(ctx: RunContext, host: string): Promise<HostRunResult> {
  try {
    const { facts, plan } = await probe(ctx, host);
    if (!planIsEmpty(plan)) {
      return fail(ctx, host, { code: 'NOT_CONVERGED', message: `after apply the host still differs: ${differences(plan)}` });
    }
    return ctx.ledger.host(host, { state: 'verified', boot_id: facts.boot_id });
  } catch (e) {
    return fail(ctx, host, errOf(e));
  }
}

export async function verifyAfterBoot(ctx: RunContext, host: string, before: HostFacts, bootId: string, mayRevert: boolean): Promise<HostRunResult> {
  const guard = mayRevert && ctx.play.kfence.fault === 'panic';
  if (guard) {
    // A boot that panicked before kfleet reconnected leaves its trace in the previous boot's log.
    const panic = await previousBootKfencePanic(ctx, host).catch(() => null);
    if (panic) return loopDetected(ctx, host, before, bootId, `the boot before ${bootId} ended in a KFENCE panic: ${panic}`);
  }
  let facts: HostFacts;
  let plan: HostPlan;
  try {
    ({ facts, plan } = await probe(ctx, host));
    if (!planIsEmpty(plan) && !plan.reboot.required && plan.refused.length === 0) {
      // Something live did not survive the boot (and no unit restores it): converge it once more.
      const s = await ctx.pool.get(host);
      const o = await ctx.ports.apply(s, plan, { check: false, bus: ctx.bus, commandTimeoutMs: ctx.commandTimeoutMs });
      if (o.status === 'failed' || o.status === 'unreachable') return fail(ctx, host, o.error ?? { code: 'APPLY_FAILED', message: 'apply after reboot failed' });
      ({ facts, plan } = await probe(ctx, host));
    }
    if (!planIsEmpty(plan)) {
      const why = plan.reboot.required ? `the boot did not bring the desired state: ${plan.reboot.reasons.join('; ')}` : `after the reboot the host still differs: ${differences(plan)}`;
      return fail(ctx, host, { code: 'NOT_CONVERGED', message: why });
    }
  } catch (e) {
    if (guard) {
      // The host went away while being verified: with fault=panic, look for the loop before failing it.
      const why = await bootLoopEvidence(ctx, host, bootId, Math.max(3000, ctx.play.reboot.stable_for_ms * 2));
      if (why) return loopDetected(ctx, host, before, bootId, why);
    }
    return fail(ctx, host, errOf(e));
  }
  // Stable for stable_for: same boot id at the end.
  await ctx.ports.sleep(ctx.play.reboot.stable_for_ms);
  let stableId: string | null = null;
  try {
    stableId = await readBootId(await ctx.pool.get(host));
  } catch {
    stableId = null;
  }
  if (stableId !== bootId) {
    if (guard) return loopDetected(ctx, host, before, bootId, `rebooted again (or went away) within stable_for (boot id ${bootId} -> ${stableId ?? 'unreachable'})`, stableId ?? undefined);
    ctx.ledger.reboot(host, { stage: 'loop', boot_id_before: bootId, ...(stableId ? { boot_id_after: stableId } : {}) });
    ctx.bus.emit({ type: 'host.reboot', host, stage: 'failed', detail: 'rebooted again (or went away) within stable_for' });
    return fail(ctx, host, { code: 'UNSTABLE_AFTER_REBOOT', message: `the host did not stay up for ${ctx.play.reboot.stable_for_ms / 1000} s after the reboot (boot id ${bootId} -> ${stableId ?? 'unreachable'})` });
  }
  ctx.ledger.reboot(host, { stage: 'verified', boot_id_after: bootId });
  ctx.bus.emit({ type: 'host.reboot', host, stage: 'verified', boot_id: bootId });
  return ctx.ledger.host(host, { state: 'verified', boot_id: bootId, rebooted: true });
}
