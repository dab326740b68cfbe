// One host through one phase: probe, plan (admitted against a saved plan when there is one), apply
// (every write read back), then either verify by probing and planning again (the plan must now be
// empty), or reboot where the state requires it and verify after the boot. Every transition is
// recorded through the ledger before the engine acts on it.
import { planIsEmpty } from '../plan/types.js';
import type { HostRecordState } from './journal.js';
import type { RunContext } from './context.js';
import type { PhaseBreaker } from './breaker.js';
import { errOf, fail } from './host-fail.js';
import { probe, type Probed } from './host-probe.js';
import { rebootAndVerify } from './host-reboot.js';
import { verifyAfterBoot, verifyLive } from './host-verify.js';
import type { HostRunResult } from './ledger.js';
import { rebootPending } from './reboot.js';
import { resumeTrial, trialReboot, usesTrial } from './trial.js';

export type { HostRunResult } from './ledger.js';
export { probe } from './host-probe.js';
export { revertHost } from './revert-host.js';
export { loopDetected, previousBootKfencePanic } from './boot-loop.js';

/** Nothing has been written to the host in this run yet: its plan must pass admission. */
function unwritten(prior: HostRecordState | undefined): boolean {
  return prior === undefined || prior.state === 'planned';
}

/** Converge one host. `prior` is the host's journaled state when resuming a run. */
export async function runHost(ctx: RunContext, host: string, prior?: HostRecordState, initial?: Probed, breaker?: PhaseBreaker): Promise<HostRunResult> {
  // A trial boot was fired (or confirmed) before the controller died: judge that boot, never fire again.
  const trial = prior?.state === 'rebooting' ? await resumeTrial(ctx, host, prior) : null;
  if (trial) return trial;
  let { facts, plan } = initial ?? ({} as Partial<Probed>);
  if (!facts || !plan) {
    try {
      ({ facts, plan } = await probe(ctx, host));
    } catch (e) {
      if (prior?.state === 'rebooting' && prior.reboot_fired_boot_id && prior.facts_before) {
        // Resuming while the host is still down from the reboot the dead controller fired: wait for it.
        return rebootAndVerify(ctx, host, prior.facts_before, prior.reboot_fired_boot_id, false);
      }
      return fail(ctx, host, errOf(e, 'UNREACHABLE'));
    }
    if (ctx.admit && unwritten(prior)) plan = ctx.admit(host, plan);
  }
  const before = prior?.facts_before ?? facts;
  if (!prior?.facts_before) ctx.ledger.host(host, { state: 'planned', boot_id: facts.boot_id, fingerprint: plan.fingerprint, facts_before: facts });

  // Resuming a host whose reboot was fired: never fire twice.
  if (prior?.state === 'rebooting' && prior.reboot_fired_boot_id) {
    if (facts.boot_id !== prior.reboot_fired_boot_id) {
      ctx.ledger.reboot(host, { stage: 'up', boot_id_before: prior.reboot_fired_boot_id, boot_id_after: facts.boot_id });
      return verifyAfterBoot(ctx, host, before, facts.boot_id, true);
    }
    const session = await ctx.pool.get(host).catch(() => undefined);
    const pending = session ? await rebootPending(session, ctx.run, prior.reboot_fired_boot_id) : 'gone';
    // The marker on the same boot: going down. Gone (the host dropped us between the probe and
    // this check, or is on a new boot already): the fired reboot is happening; wait for it, never
    // fire a second one.
    if (pending !== false) return rebootAndVerify(ctx, host, before, prior.reboot_fired_boot_id, false);
    // The same boot, no marker: the fire never reached the host. Fall through and fire it now.
  }

  if (plan.refused.length) {
    const r = plan.refused[0]!;
    return ctx.ledger.host(host, { state: 'refused', error: { code: r.code, message: r.message, ...(r.hint ? { hint: r.hint } : {}) } });
  }
  if (planIsEmpty(plan)) {
    // A 'planned' host whose live parameters moved from facts_before was written before the
    // controller died (kfleet focus --resume found it): it was touched, so rollback restores it.
    const wasTouched = prior !== undefined && (prior.state !== 'planned' || JSON.stringify(prior.facts_before?.kfence?.params) !== JSON.stringify(facts.kfence?.params));
    return ctx.ledger.host(host, wasTouched ? { state: 'verified', boot_id: facts.boot_id, rebooted: prior?.rebooted ?? false } : { state: 'unchanged', boot_id: facts.boot_id });
  }

  const session = await ctx.pool.get(host).catch((e: unknown) => e);
  if (session instanceof Error || !session) return fail(ctx, host, errOf(session, 'UNREACHABLE'));
  // A trial leaves the default entry alone: the args go onto it only once the trial is confirmed.
  const trialed = !ctx.check && ctx.play.reboot.allowed && usesTrial(ctx, plan);
  const outcome = await ctx.ports.apply(session as Awaited<ReturnType<typeof ctx.pool.get>>, trialed ? { ...plan, boot: null } : plan, { check: ctx.check, bus: ctx.bus, commandTimeoutMs: ctx.commandTimeoutMs });
  if (ctx.check) return ctx.ledger.checked(host, outcome.status, outcome.pending_reboot);
  if (outcome.status === 'failed' || outcome.status === 'unreachable') {
    return fail(ctx, host, outcome.error ?? { code: 'APPLY_FAILED', message: 'apply failed' }, { pending_reboot: outcome.pending_reboot, status: outcome.status });
  }
  if (!plan.reboot.required) {
    ctx.ledger.host(host, { state: 'applied' });
    return verifyLive(ctx, host);
  }
  const reasons = plan.reboot.reasons.join('; ');
  if (!ctx.play.reboot.allowed) return ctx.ledger.host(host, { state: 'pending_reboot', detail: reasons });
  ctx.ledger.host(host, { state: 'staged', detail: reasons });
  return ctx.rebootLimit(async () => {
    // The budget breaker tripped while this host waited for its reboot slot: the reboot is not started.
    const tripped = breaker?.tripped();
    if (tripped) return ctx.ledger.host(host, { state: 'pending_reboot', detail: `${reasons}; the reboot was not started: ${tripped}` });
    const r = trialed ? await trialReboot(ctx, host, plan, before, facts.boot_id) : await rebootAndVerify(ctx, host, before, facts.boot_id, true);
    // Counted before the slot is freed, so the next host in line sees a tripped breaker.
    breaker?.record(r);
    return r;
  });
}
