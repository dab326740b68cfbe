// `kfleet rollback RUN` for one host: plan the restore to the state the journal recorded before the
// run (src/plan/restore.ts: live values through the planner, every grubby entry's managed tokens,
// kfleet's boot unit, a reboot where the booted args differ or the live state only comes back at
// boot), do it, read the host back, and call it `reverted` only when its live values, its boot
// entries and its booted args all equal the record. Anything else is a failed host with the reason,
// or, with --no-reboot and a reboot still needed, a host pending its reboot.
import type { HostFacts } from '../facts/types.js';
import type { HostPlan } from '../plan/types.js';
import { planRestore, restoreGaps, type RestorePlan } from '../plan/restore.js';
import { applyHostPlan } from '../converge/apply-host.js';
import { buildBootArgsScript } from '../converge/boot-args.js';
import { buildUnitScript } from '../converge/boot-unit.js';
import type { HostSession } from '../transport/index.js';
import type { RunContext } from './context.js';
import type { HostRunResult } from './host-run.js';
import { fireCommand, waitForReboot } from './reboot.js';

type Err = { code: string; message: string; hint?: string };

class RestoreError extends Error {
  constructor(readonly code: string, message: string, readonly hint?: string) {
    super(message);
  }
}

/** A rollback host's terminal transition, recorded through the ledger (journal, event, result). */
function record(ctx: RunContext, host: string, r: HostRunResult, detail?: string): HostRunResult {
  const state = r.status === 'reverted' ? 'reverted' : r.status === 'pending_reboot' ? 'pending_reboot' : r.status === 'unreachable' ? 'unreachable' : 'failed';
  return ctx.ledger.host(host, { state, ...(r.bootId ? { boot_id: r.bootId } : {}), ...(r.status === 'reverted' ? { rebooted: r.rebooted } : {}), ...(detail ? { detail } : {}), ...(r.error ? { error: r.error } : {}) });
}

const liveOnly = (p: HostPlan): HostPlan => ({ ...p, boot: null, unit: null, reboot: { required: false, reasons: [] } });

/** Write what the restore plan says (live values, then the boot entries and the unit). */
async function write(ctx: RunContext, host: string, session: HostSession, rp: RestorePlan): Promise<void> {
  if (rp.live && rp.live.runtime.length > 0) {
    const o = await applyHostPlan(session, liveOnly(rp.live), { check: false, bus: ctx.bus, commandTimeoutMs: ctx.commandTimeoutMs });
    if (o.status === 'failed' || o.status === 'unreachable') throw new RestoreError(o.error?.code ?? 'ROLLBACK_FAILED', `restoring the live values failed: ${o.error?.message ?? o.status}`);
  }
  for (const change of rp.args) {
    const r = await session.exec(buildBootArgsScript(change), { become: true, timeoutMs: ctx.commandTimeoutMs });
    ctx.bus.emit({ type: 'host.boot_args', host, add: change.add, remove: change.remove, ok: r.code === 0, ...(r.code !== 0 ? { error: r.stderr.trim() } : {}) });
    if (r.code !== 0) throw new RestoreError('ROLLBACK_ARGS_FAILED', `grubby failed restoring ${change.kernels.join(', ')}: ${r.stderr.trim()}`);
  }
  if (rp.unit) {
    const r = await session.exec(buildUnitScript(rp.unit), { become: true, timeoutMs: ctx.commandTimeoutMs });
    if (r.code !== 0) throw new RestoreError('ROLLBACK_UNIT_FAILED', `restoring kfleet's boot unit failed: ${r.stderr.trim()}`);
  }
}

export async function rollbackHost(ctx: RunContext, host: string, before: HostFacts, allowReboot: boolean): Promise<HostRunResult> {
  const failed = (error: Err, bootId?: string): HostRunResult =>
    record(ctx, host, { host, status: error.code === 'UNREACHABLE' ? 'unreachable' : 'failed', pending_reboot: false, rebooted: false, touched: true, error, ...(bootId ? { bootId } : {}) });
  let rebooted = false;
  try {
    const session = await ctx.pool.get(host);
    const now = await ctx.ports.collect(session, host);
    ctx.ledger.host(host, { state: 'planned', boot_id: now.boot_id, facts_before: now });
    const rp = planRestore(ctx.play, before, now);
    if (rp.refused.length > 0) return failed({ code: rp.refused[0]!.code, message: rp.refused.map((r) => r.message).join('; '), ...(rp.refused[0]!.hint ? { hint: rp.refused[0]!.hint } : {}) });
    // Without a reboot to come, the live values are written now; with one, they are planned from the fresh boot.
    await write(ctx, host, session, rp.reboot.required && allowReboot ? { ...rp, live: null } : rp);
    let after: HostFacts;
    if (rp.reboot.required) {
      const why = rp.reboot.reasons.join('; ');
      if (!allowReboot) {
        after = await ctx.ports.collect(session, host);
        const gaps = restoreGaps(before, after).configured;
        if (gaps.length) return failed({ code: 'ROLLBACK_NOT_VERIFIED', message: `the boot entries are not back to the record: ${gaps.join('; ')}` });
        return record(ctx, host, { host, status: 'pending_reboot', pending_reboot: true, rebooted: false, touched: true }, `boot entries restored; the recorded state needs a reboot (--no-reboot): ${why}`);
      }
      ctx.ledger.reboot(host, { stage: 'fire', boot_id_before: now.boot_id });
      ctx.ledger.host(host, { state: 'rebooting', boot_id: now.boot_id, detail: why });
      ctx.bus.emit({ type: 'host.reboot', host, stage: 'fire', boot_id: now.boot_id, detail: why });
      await session.fire(fireCommand(ctx.run, now.boot_id), { become: true });
      const w = await waitForReboot({ host, bootIdBefore: now.boot_id, pool: ctx.pool, ports: ctx.ports, timeoutMs: ctx.play.reboot.timeout_ms, started: ctx.ports.now() });
      if (!w.ok) return failed({ code: 'REBOOT_TIMEOUT', message: w.error ?? 'the host did not come back from the restore reboot' });
      ctx.ledger.reboot(host, { stage: 'up', boot_id_before: now.boot_id, ...(w.bootId ? { boot_id_after: w.bootId } : {}) });
      ctx.bus.emit({ type: 'host.reboot', host, stage: 'up', ...(w.bootId ? { boot_id: w.bootId } : {}) });
      rebooted = true;
      // What the boot did not bring back (a runtime-only setting) is planned from the fresh facts.
      const s2 = await ctx.pool.get(host);
      const booted = await ctx.ports.collect(s2, host);
      const rp2 = planRestore(ctx.play, before, booted, true);
      if (rp2.refused.length > 0) return failed({ code: rp2.refused[0]!.code, message: rp2.refused.map((r) => r.message).join('; ') }, booted.boot_id);
      await write(ctx, host, s2, rp2);
    }
    // Read back: reverted only when live values, boot entries and booted args equal the record.
    after = await ctx.ports.collect(await ctx.pool.get(host), host);
    const g = restoreGaps(before, after);
    const gaps = [...g.live, ...g.configured, ...g.booted];
    if (gaps.length > 0) return failed({ code: 'ROLLBACK_NOT_VERIFIED', message: `not back to the state recorded before the run: ${gaps.join('; ')}`, hint: 'run `kfleet status` on the host; `kfleet rollback` can be run again' }, after.boot_id);
    return record(ctx, host, { host, status: 'reverted', pending_reboot: false, rebooted, touched: true, bootId: after.boot_id }, rebooted ? 'restored to the state recorded before the run (rebooted)' : 'restored to the state recorded before the run');
  } catch (e) {
    const err = e as { code?: string; message: string; hint?: string };
    return failed({ code: err.code ?? 'ROLLBACK_FAILED', message: err.message, ...(err.hint ? { hint: err.hint } : {}) });
  }
}
