// One host through one phase: probe, plan, apply (every write read back), then either verify by
// probing and planning again (the plan must now be empty), or reboot where the state requires it
// and verify after the boot. Every transition is journaled before the engine acts on it.
import type { HostFacts } from '../facts/types.js';
import type { HostPlan } from '../plan/types.js';
import { planIsEmpty } from '../plan/types.js';
import type { HostStatus } from '../events.js';
import { isKfleetError } from '../errors.js';
import { applyHostPlan } from '../converge/apply-host.js';
import { buildBootArgsScript, kfenceTokens, parseBootArgsOutput } from '../converge/boot-args.js';
import { buildUnitScript, UNIT_PATH } from '../converge/boot-unit.js';
import { shq } from '../shell-quote.js';
import type { HostRecordState } from './journal.js';
import type { RunContext } from './context.js';
import { fireCommand, readBootId, rebootPending, waitForReboot } from './reboot.js';
import { revertArgsChanges, revertUnitChange } from './revert.js';
import { quarantineHost, quarantinePath } from './quarantine.js';

export interface HostRunResult {
  host: string;
  status: HostStatus;
  pending_reboot: boolean;
  rebooted: boolean;
  /** Changed something (counts as touched for the phase). */
  touched: boolean;
  bootId?: string;
  error?: { code: string; message: string; hint?: string };
}

type Err = { code: string; message: string; hint?: string };

function errOf(e: unknown, fallback = 'HOST_FAILED'): Err {
  if (isKfleetError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return { code: fallback, message: e instanceof Error ? e.message : String(e) };
}

/** Unreachable: kfleet could not connect at all. A host that was reached and then dropped the
 *  connection or let a command time out is a failed host, with that cause in its error code. */
function unreachableCode(code: string): boolean {
  return code === 'UNREACHABLE';
}

export async function probe(ctx: RunContext, host: string): Promise<{ facts: HostFacts; plan: HostPlan }> {
  const session = await ctx.pool.get(host);
  const t0 = ctx.ports.now();
  const facts = await ctx.ports.collect(session, host);
  ctx.bus.emit({ type: 'host.facts', host, release: facts.kernel.release, ms: ctx.ports.now() - t0 });
  const plan = ctx.ports.plan(facts);
  ctx.bus.emit({ type: 'host.plan', host, changes: plan.changes.length, reboot_required: plan.reboot.required, refused: plan.refused.length > 0 });
  return { facts, plan };
}

function fail(ctx: RunContext, host: string, error: Err, extra: Partial<HostRunResult> = {}): HostRunResult {
  // Unreachable means kfleet could not get to the host; a host that dropped or timed out in the
  // middle of a write is a failed apply (its cause stays in the error code).
  const status: HostStatus = extra.status ?? (unreachableCode(error.code) ? 'unreachable' : 'failed');
  ctx.journal.append({ t: 'host', host, state: status === 'unreachable' ? 'unreachable' : 'failed', error });
  ctx.bus.emit({ type: 'host.result', host, status, pending_reboot: extra.pending_reboot ?? false, error });
  return { host, status, pending_reboot: false, rebooted: false, touched: true, error, ...extra };
}

function done(ctx: RunContext, r: HostRunResult, detail?: string): HostRunResult {
  ctx.bus.emit({ type: 'host.result', host: r.host, status: r.status, pending_reboot: r.pending_reboot, ...(detail ? { detail } : {}), ...(r.error ? { error: r.error } : {}) });
  return r;
}

/** Converge one host. `prior` is the host's journaled state when resuming a run. */
export async function runHost(ctx: RunContext, host: string, prior?: HostRecordState, initial?: { facts: HostFacts; plan: HostPlan }): Promise<HostRunResult> {
  let facts: HostFacts;
  let plan: HostPlan;
  try {
    ({ facts, plan } = initial ?? (await probe(ctx, host)));
  } catch (e) {
    if (prior?.state === 'rebooting' && prior.reboot_fired_boot_id && prior.facts_before) {
      // Resuming while the host is still down from the reboot the dead controller fired: wait for it.
      return rebootAndVerify(ctx, host, prior.facts_before, prior.reboot_fired_boot_id, false);
    }
    return fail(ctx, host, errOf(e, 'UNREACHABLE'));
  }
  const before = prior?.facts_before ?? facts;
  if (!prior?.facts_before) ctx.journal.append({ t: 'host', host, state: 'planned', boot_id: facts.boot_id, fingerprint: plan.fingerprint, facts_before: facts });

  // Resuming a host whose reboot was fired: never fire twice.
  if (prior?.state === 'rebooting' && prior.reboot_fired_boot_id) {
    if (facts.boot_id !== prior.reboot_fired_boot_id) {
      ctx.journal.append({ t: 'reboot', host, stage: 'up', boot_id_before: prior.reboot_fired_boot_id, boot_id_after: facts.boot_id });
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
    ctx.journal.append({ t: 'host', host, state: 'refused', error: { code: r.code, message: r.message } });
    return done(ctx, { host, status: 'refused', pending_reboot: false, rebooted: false, touched: false, error: { code: r.code, message: r.message, ...(r.hint ? { hint: r.hint } : {}) } });
  }
  if (planIsEmpty(plan)) {
    // A 'planned' host whose live parameters moved from facts_before was written before the
    // controller died (kfleet focus --resume found it): it was touched, so rollback restores it.
    const wasTouched = prior !== undefined && (prior.state !== 'planned' || JSON.stringify(prior.facts_before?.kfence.params) !== JSON.stringify(facts.kfence.params));
    ctx.journal.append({ t: 'host', host, state: wasTouched ? 'verified' : 'unchanged', boot_id: facts.boot_id });
    return done(ctx, { host, status: wasTouched ? 'changed' : 'ok', pending_reboot: false, rebooted: prior?.rebooted ?? false, touched: wasTouched });
  }

  const session = await ctx.pool.get(host).catch((e: unknown) => e);
  if (session instanceof Error || !session) return fail(ctx, host, errOf(session, 'UNREACHABLE'));
  const outcome = await applyHostPlan(session as Awaited<ReturnType<typeof ctx.pool.get>>, plan, { check: ctx.check, bus: ctx.bus, commandTimeoutMs: ctx.commandTimeoutMs });
  if (ctx.check) return done(ctx, { host, status: outcome.status, pending_reboot: outcome.pending_reboot, rebooted: false, touched: false });
  if (outcome.status === 'failed' || outcome.status === 'unreachable') {
    return fail(ctx, host, outcome.error ?? { code: 'APPLY_FAILED', message: 'apply failed' }, { pending_reboot: outcome.pending_reboot, status: outcome.status });
  }
  if (!plan.reboot.required) {
    ctx.journal.append({ t: 'host', host, state: 'applied' });
    return verifyLive(ctx, host);
  }
  if (!ctx.play.reboot.allowed) {
    ctx.journal.append({ t: 'host', host, state: 'pending_reboot', detail: plan.reboot.reasons.join('; ') });
    return done(ctx, { host, status: 'pending_reboot', pending_reboot: true, rebooted: false, touched: true }, plan.reboot.reasons.join('; '));
  }
  ctx.journal.append({ t: 'host', host, state: 'staged', detail: plan.reboot.reasons.join('; ') });
  return ctx.rebootLimit(() => rebootAndVerify(ctx, host, before, facts.boot_id, true));
}

/** What a verification plan still wants, in words (changes, refusals, reboot reasons). */
function differences(plan: HostPlan): string {
  const parts = [
    ...plan.changes.map((c) => `${c.knob} ${c.before} -> ${c.after}`),
    ...plan.refused.map((r) => `refused: ${r.code}: ${r.message}`),
    ...plan.reboot.reasons,
  ];
  return parts.join('; ') || 'a step the planner still wants (see kfleet plan)';
}

/** No reboot needed: probe again, the plan must be empty now. */
async function verifyLive(ctx: RunContext, host: string): Promise<HostRunResult> {
  try {
    const { facts, plan } = await probe(ctx, host);
    if (!planIsEmpty(plan)) {
      return fail(ctx, host, { code: 'NOT_CONVERGED', message: `after apply the host still differs: ${differences(plan)}` });
    }
    ctx.journal.append({ t: 'host', host, state: 'verified', boot_id: facts.boot_id });
    return done(ctx, { host, status: 'changed', pending_reboot: false, rebooted: false, touched: true, bootId: facts.boot_id });
  } catch (e) {
    return fail(ctx, host, errOf(e));
  }
}

async function rebootAndVerify(ctx: RunContext, host: string, before: HostFacts, bootIdBefore: string, fire: boolean): Promise<HostRunResult> {
  const started = ctx.ports.now();
  if (fire) {
    ctx.journal.append({ t: 'reboot', host, stage: 'fire', boot_id_before: bootIdBefore });
    ctx.journal.append({ t: 'host', host, state: 'rebooting', boot_id: bootIdBefore });
    ctx.bus.emit({ type: 'host.reboot', host, stage: 'fire', boot_id: bootIdBefore });
    try {
      const s = await ctx.pool.get(host);
      await s.fire(fireCommand(ctx.run, bootIdBefore), { become: true });
    } catch (e) {
      return fail(ctx, host, errOf(e, 'REBOOT_FAILED'));
    }
  }
  const w = await waitForReboot({ host, bootIdBefore, pool: ctx.pool, ports: ctx.ports, timeoutMs: ctx.play.reboot.timeout_ms, started });
  if (!w.ok || !w.bootId) {
    ctx.journal.append({ t: 'reboot', host, stage: 'timeout' });
    ctx.bus.emit({ type: 'host.reboot', host, stage: 'timeout', ms: w.ms, ...(w.error ? { detail: w.error } : {}) });
    if (w.code) return fail(ctx, host, { code: w.code, message: `after the reboot: ${w.error ?? w.code}`, ...(w.hint ? { hint: w.hint } : {}) });
    return fail(ctx, host, { code: 'REBOOT_TIMEOUT', message: w.error ?? 'reboot did not complete', hint: `the host was fired a reboot at ${new Date(started).toISOString()}; check its console` }, { pending_reboot: true });
  }
  ctx.journal.append({ t: 'reboot', host, stage: 'up', boot_id_before: bootIdBefore, boot_id_after: w.bootId });
  ctx.bus.emit({ type: 'host.reboot', host, stage: 'up', boot_id: w.bootId, ms: w.ms, ...(w.noticeMs !== undefined ? { detail: `noticed ${w.noticeMs} ms after SSH answered` } : {}) });
  return verifyAfterBoot(ctx, host, before, w.bootId, true);
}

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
async function bootLoopEvidence(ctx: RunContext, host: string, bootId: string, waitMs: number): Promise<string | null> {
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
  ctx.journal.append({ t: 'reboot', host, stage: 'loop', boot_id_before: bootId, ...(after ? { boot_id_after: after } : {}) });
  ctx.bus.emit({ type: 'host.reboot', host, stage: 'failed', detail: `boot loop suspected: ${why}` });
  return revertHost(ctx, host, before, why);
}

async function verifyAfterBoot(ctx: RunContext, host: string, before: HostFacts, bootId: string, mayRevert: boolean): Promise<HostRunResult> {
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
      const o = await applyHostPlan(s, plan, { check: false, bus: ctx.bus, commandTimeoutMs: ctx.commandTimeoutMs });
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
    ctx.journal.append({ t: 'reboot', host, stage: 'loop', boot_id_before: bootId, ...(stableId ? { boot_id_after: stableId } : {}) });
    ctx.bus.emit({ type: 'host.reboot', host, stage: 'failed', detail: 'rebooted again (or went away) within stable_for' });
    return fail(ctx, host, { code: 'UNSTABLE_AFTER_REBOOT', message: `the host did not stay up for ${ctx.play.reboot.stable_for_ms / 1000} s after the reboot (boot id ${bootId} -> ${stableId ?? 'unreachable'})` });
  }
  ctx.journal.append({ t: 'reboot', host, stage: 'verified', boot_id_after: bootId });
  ctx.journal.append({ t: 'host', host, state: 'verified', boot_id: bootId, rebooted: true });
  ctx.bus.emit({ type: 'host.reboot', host, stage: 'verified', boot_id: bootId });
  return done(ctx, { host, status: 'rebooted', pending_reboot: false, rebooted: true, touched: true, bootId });
}

/** What a revert needs to know, in one short command (a looping host may give it well under a second). */
async function readArgsState(session: Awaited<ReturnType<RunContext['pool']['get']>>, before: HostFacts, timeoutMs: number): Promise<HostFacts> {
  const kernels = before.grubby.entries.map((e) => e.kernel);
  const script = [
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    'cat /proc/sys/kernel/random/boot_id',
    'cat /proc/cmdline',
    `[ -e ${shq(UNIT_PATH)} ] && echo unit || echo nounit`,
    ...kernels.flatMap((k) => [`printf '@@kfleet-args %s\\n' ${shq(k)}`, `grubby ${shq(`--info=${k}`)} | sed -n 's/^args=//p'`]),
  ].join('\n');
  const r = await session.exec(script, { become: true, timeoutMs });
  if (r.code !== 0) throw new Error(`reading the boot args failed: ${r.stderr.trim()}`);
  const [bootId = '', cmdline = '', unit = ''] = r.stdout.split('\n');
  const args = parseBootArgsOutput(r.stdout);
  return {
    ...before,
    boot_id: bootId.trim(),
    cmdline: cmdline.trim(),
    boot_unit: { installed: unit.trim() === 'unit', hash: null },
    grubby: { ...before.grubby, entries: before.grubby.entries.map((e) => ({ ...e, args: args.get(e.kernel) ?? e.args })) },
  };
}

/** Boot loop with fault=panic: restore the recorded previous args (and unit), reboot once, quarantine. */
export async function revertHost(ctx: RunContext, host: string, before: HostFacts, why = 'boot loop'): Promise<HostRunResult> {
  const deadline = ctx.ports.now() + ctx.play.reboot.timeout_ms;
  let lastErr: Err = { code: 'REVERT_FAILED', message: 'could not reach the host to revert it' };
  const wantTokens = kfenceTokens(before.cmdline);
  while (ctx.ports.now() < deadline) {
    try {
      const s = await ctx.pool.get(host);
      const now = await readArgsState(s, before, Math.min(ctx.commandTimeoutMs, 10_000));
      for (const change of revertArgsChanges(before, now)) {
        const r = await s.exec(buildBootArgsScript(change), { become: true, timeoutMs: ctx.commandTimeoutMs });
        if (r.code !== 0) throw new Error(`grubby failed: ${r.stderr.trim()}`);
      }
      const unit = revertUnitChange(before, now);
      if (unit) await s.exec(buildUnitScript(unit), { become: true, timeoutMs: ctx.commandTimeoutMs });
      let bootId = now.boot_id;
      const booted = kfenceTokens(now.cmdline);
      const alreadyBack = booted.size === wantTokens.size && [...wantTokens].every(([k, v]) => booted.get(k) === v);
      if (!alreadyBack) {
        // (A panic between the grubby write and this fire leaves the host booted with the old args: then no reboot is needed.)
        ctx.journal.append({ t: 'reboot', host, stage: 'fire', boot_id_before: now.boot_id });
        await s.fire(fireCommand(ctx.run, now.boot_id), { become: true });
        const w = await waitForReboot({ host, bootIdBefore: now.boot_id, pool: ctx.pool, ports: ctx.ports, timeoutMs: Math.max(1000, deadline - ctx.ports.now()), started: ctx.ports.now() });
        if (!w.ok || !w.bootId) throw new Error(w.error ?? 'no return after the revert reboot');
        ctx.journal.append({ t: 'reboot', host, stage: 'up', boot_id_before: now.boot_id, boot_id_after: w.bootId });
        bootId = w.bootId;
      }
      const error = { code: 'BOOT_LOOP_REVERTED', message: `boot loop with fault=panic (${why}): previous kernel arguments restored and the host quarantined`, hint: `inspect the KFENCE report in the previous boot's log (\`journalctl -k -b -1\`), then lift the quarantine with \`kfleet quarantine --release ${host}\` (it is kept in ${quarantinePath(ctx.stateDir)})` };
      quarantineHost(ctx.stateDir, host, { run: ctx.run, since: new Date().toISOString(), reason: why });
      ctx.journal.append({ t: 'host', host, state: 'reverted', rebooted: true, error, boot_id: bootId });
      ctx.bus.emit({ type: 'host.result', host, status: 'reverted', pending_reboot: false, error });
      return { host, status: 'reverted', pending_reboot: false, rebooted: true, touched: true, error, bootId };
    } catch (e) {
      lastErr = errOf(e, 'REVERT_FAILED');
      await ctx.pool.drop(host);
      await ctx.ports.sleep(100);
    }
  }
  return fail(ctx, host, { ...lastErr, code: 'REVERT_FAILED' });
}
