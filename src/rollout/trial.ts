// A reboot into new kernel args as a trial boot (grubby hosts, src/bootloader/trial-grubby.ts): the
// default entry is left as it is; a copy carrying the new args, the guard args and the trial token
// is booted once (grub2-reboot), with a dead man armed on the host that reboots into the default
// unless kfleet confirms in time. Confirmed over a fresh SSH session (a new boot id, the token and
// the args in /proc/cmdline), disarmed, stable for stable_for, then promoted: the trial entry is
// removed and the args are written to the default entry (the normal converge path), and the host is
// verified as after any boot. A host that came back on the default by itself fell back: reverted
// with the evidence (its boot, its args, the previous boot's KFENCE panic if any) and quarantined.
// Every step is journaled before it is acted on; a resumed run never fires a second trial reboot
// and never promotes a trial it did not confirm on the trial boot itself.
import { createHash } from 'node:crypto';
import type { HostFacts } from '../facts/types.js';
import type { HostPlan } from '../plan/types.js';
import { buildDeadManArmScript, buildTrialCleanupScript, buildTrialCreateScript, buildTrialFireScript, parseTrialCreated, trialBootRead } from '../bootloader/trial-grubby.js';
import { previousBootPanicRead, runRead } from '../facts/reads/index.js';
import type { RunContext } from './context.js';
import { errOf, fail } from './host-fail.js';
import { probe } from './host-probe.js';
import { verifyAfterBoot } from './host-verify.js';
import type { HostRecordState } from './journal.js';
import type { HostRunResult } from './ledger.js';
import { quarantineHost, quarantinePath } from './quarantine.js';
import { fireCommand, waitForReboot } from './reboot.js';

/** A trial applies to this plan: a reboot into new args on a grubby host with a one-shot entry, and
 *  the playbook asks for trials (reboot.trial set and not off; absent keeps today's plain reboot). */
export function usesTrial(ctx: RunContext, plan: HostPlan): boolean {
  return ctx.play.reboot.trial !== undefined && ctx.play.reboot.trial !== 'off' && plan.reboot.required && plan.boot !== null && plan.trial?.mechanism === 'grubby-oneshot';
}

export function trialId(run: string, host: string): string {
  return createHash('sha256').update(`${run}\0${host}`).digest('hex').slice(0, 12);
}

async function exec(ctx: RunContext, host: string, script: string): Promise<string> {
  const s = await ctx.pool.get(host);
  const r = await s.exec(script, { become: true, timeoutMs: ctx.commandTimeoutMs });
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr.trim().split('\n').slice(-2).join(' | ')}`);
  return r.stdout;
}

/** Create and arm the trial, fire it (journaled first), then wait for and judge the boot. */
export async function trialReboot(ctx: RunContext, host: string, plan: HostPlan, before: HostFacts, bootIdBefore: string): Promise<HostRunResult> {
  const id = trialId(ctx.run, host);
  const kernel = before.grubby.default_kernel;
  if (!kernel || !plan.boot || !plan.trial) return fail(ctx, host, { code: 'REBOOT_FAILED', message: 'no default kernel known for the trial entry' });
  let entryId: string;
  try {
    const created = parseTrialCreated(await exec(ctx, host, buildTrialCreateScript({ id, kernel, add: [...plan.boot.add, ...plan.trial.guard_args], remove: plan.boot.remove })));
    await exec(ctx, host, buildDeadManArmScript(id, ctx.play.reboot.timeout_ms / 1000));
    entryId = created.entryId;
    ctx.ledger.trial(host, { stage: 'created', id, entry_id: entryId, cmdline: created.args });
  } catch (e) {
    return fail(ctx, host, errOf(e, 'REBOOT_FAILED'));
  }
  ctx.ledger.trial(host, { stage: 'fired', id, entry_id: entryId, boot_id_before: bootIdBefore });
  ctx.ledger.host(host, { state: 'rebooting', boot_id: bootIdBefore });
  ctx.bus.emit({ type: 'host.reboot', host, stage: 'fire', boot_id: bootIdBefore, detail: `trial ${id}` });
  try {
    const s = await ctx.pool.get(host);
    await s.fire(buildTrialFireScript(entryId, fireCommand(ctx.run, bootIdBefore)), { become: true });
  } catch (e) {
    return fail(ctx, host, errOf(e, 'REBOOT_FAILED'));
  }
  return judgeTrial(ctx, host, before, id, bootIdBefore);
}

/** Resume a host whose trial was journaled: never fire again; judge the boot it is in. */
export async function resumeTrial(ctx: RunContext, host: string, prior: HostRecordState): Promise<HostRunResult | null> {
  const t = prior.trial;
  if (!t || !prior.facts_before || (t.stage !== 'fired' && t.stage !== 'confirmed')) return null;
  return judgeTrial(ctx, host, prior.facts_before, t.id, t.boot_id_before ?? prior.reboot_fired_boot_id ?? '');
}

async function judgeTrial(ctx: RunContext, host: string, before: HostFacts, id: string, bootIdBefore: string): Promise<HostRunResult> {
  const started = ctx.ports.now();
  const timeout = ctx.play.reboot.timeout_ms;
  // The trial boot itself, and if it fails, the dead man's reset into the default and that boot.
  const w = await waitForReboot({ host, bootIdBefore, pool: ctx.pool, ports: ctx.ports, timeoutMs: 2 * timeout + 5000, started });
  if (!w.ok || !w.bootId) {
    ctx.ledger.reboot(host, { stage: 'timeout' });
    ctx.bus.emit({ type: 'host.reboot', host, stage: 'timeout', ms: w.ms, ...(w.error ? { detail: w.error } : {}) });
    return fail(ctx, host, { code: 'REBOOT_TIMEOUT', message: w.error ?? 'the trial reboot did not complete', hint: 'the host should come back on its default entry by itself (dead man, panic=); check its console' }, { pending_reboot: true });
  }
  // A fresh session: nothing from before the boot is trusted.
  await ctx.pool.drop(host);
  let st;
  try {
    st = await runRead(await ctx.pool.get(host), trialBootRead(id), ctx.commandTimeoutMs);
  } catch (e) {
    return fail(ctx, host, errOf(e, 'UNREACHABLE'));
  }
  if (!st.inTrial) return fellBack(ctx, host, id, bootIdBefore, st.bootId, st.cmdline);
  ctx.ledger.trial(host, { stage: 'confirmed', id, boot_id_before: bootIdBefore, boot_id_after: st.bootId, cmdline: st.cmdline });
  ctx.bus.emit({ type: 'host.reboot', host, stage: 'up', boot_id: st.bootId, ms: w.ms, detail: `trial ${id} confirmed` });
  try {
    // Disarm first (stop the dead man), then stay up for stable_for on the trial boot.
    await exec(ctx, host, buildTrialCleanupScript());
    await ctx.ports.sleep(ctx.play.reboot.stable_for_ms);
    const again = await runRead(await ctx.pool.get(host), trialBootRead(id), ctx.commandTimeoutMs);
    if (again.bootId !== st.bootId) return fellBack(ctx, host, id, bootIdBefore, again.bootId, again.cmdline);
    // Promote: the args onto the default entry by the normal converge path (the trial entry is gone).
    const { plan } = await probe(ctx, host);
    if (plan.boot) {
      const o = await ctx.ports.apply(await ctx.pool.get(host), { ...plan, runtime: [] }, { check: false, bus: ctx.bus, commandTimeoutMs: ctx.commandTimeoutMs });
      if (o.status === 'failed' || o.status === 'unreachable') return fail(ctx, host, o.error ?? { code: 'APPLY_FAILED', message: 'promoting the trial args failed' });
    }
  } catch (e) {
    await ctx.pool.drop(host);
    return fail(ctx, host, errOf(e));
  }
  ctx.ledger.trial(host, { stage: 'promoted', id, boot_id_after: st.bootId });
  ctx.ledger.reboot(host, { stage: 'up', boot_id_before: bootIdBefore, boot_id_after: st.bootId });
  return verifyAfterBoot(ctx, host, before, st.bootId, true);
}

async function fellBack(ctx: RunContext, host: string, id: string, bootIdBefore: string, bootId: string, cmdline: string): Promise<HostRunResult> {
  let evidence = '';
  try {
    const panic = await runRead(await ctx.pool.get(host), previousBootPanicRead, ctx.commandTimeoutMs);
    if (panic) evidence = `; the trial boot ended in a KFENCE panic: ${panic}`;
    await exec(ctx, host, buildTrialCleanupScript());
  } catch {
    /* the evidence is best effort; the host is back either way */
  }
  const detail = `back on its default entry in boot ${bootId} (args: ${cmdline})${evidence}`;
  ctx.ledger.trial(host, { stage: 'fell_back', id, boot_id_before: bootIdBefore, boot_id_after: bootId, cmdline, detail });
  ctx.bus.emit({ type: 'host.reboot', host, stage: 'failed', detail: `trial ${id} fell back: ${detail}` });
  quarantineHost(ctx.stateDir, host, { run: ctx.run, since: new Date().toISOString(), reason: `trial boot fell back: ${detail}` });
  const error = { code: 'TRIAL_FELL_BACK', message: `the trial boot with the new kernel args did not confirm; the host came back by itself: ${detail}`, hint: `inspect the failed boot (\`journalctl -b -1\`, /sys/fs/pstore, /var/crash), then lift the quarantine with \`kfleet quarantine --release ${host}\` (kept in ${quarantinePath(ctx.stateDir)})` };
  return ctx.ledger.host(host, { state: 'reverted', rebooted: true, error, boot_id: bootId });
}
