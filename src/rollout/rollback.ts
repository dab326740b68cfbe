// `kfleet rollback RUN`: put every host a run touched back to what the journal recorded before
// the run: the live KFENCE values (through the planner, so the kernel's write-order rules hold),
// the kfence.* tokens of every grubby entry, and kfleet's boot unit; then, where the host now runs
// with boot-time KFENCE state the run gave it, a reboot (when allowed) and a check that
// /proc/cmdline is back to what it was.
import type { HostFacts } from '../facts/types.js';
import type { KfenceSpec, Play } from '../playbook/types.js';
import { planIsEmpty } from '../plan/types.js';
import { planHost } from '../plan/plan-host.js';
import { applyHostPlan } from '../converge/apply-host.js';
import { buildBootArgsScript, kfenceTokens } from '../converge/boot-args.js';
import { buildUnitScript } from '../converge/boot-unit.js';
import type { RunContext } from './context.js';
import type { HostRunResult } from './host-run.js';
import { fireCommand, waitForReboot } from './reboot.js';
import { revertArgsChanges, revertUnitChange } from './revert.js';

/** The desired state that reproduces `before`'s live KFENCE values. */
export function specFromFacts(before: HostFacts): KfenceSpec {
  const p = before.kfence.params;
  const interval = Number(p.sample_interval?.value ?? '0') || 0;
  const slabs = Object.entries(before.slabs).filter(([, s]) => s.control !== null && !s.alias_of);
  const monitored = slabs.filter(([, s]) => (s.control === 'kfence_enable' ? s.value === '1' : s.value === '0')).map(([n]) => n);
  const spec: KfenceSpec = {
    mode: interval === 0 ? 'off' : interval < 0 ? 'full' : 'sampling',
    sample_interval: interval,
    slabs: monitored.length === slabs.length ? { kind: 'all', names: [] } : { kind: 'only', names: monitored },
    apply: 'runtime',
    acknowledge_panic: true,
  };
  if (interval !== 0) {
    if (p.num_objects?.value && /^\d+$/.test(p.num_objects.value)) spec.num_objects = Number(p.num_objects.value);
    if (p.pool_mode?.value === 'global' || p.pool_mode?.value === 'node') spec.pool_mode = p.pool_mode.value;
    if (p.order0_page?.value) spec.order0_page = ['1', 'Y', 'y'].includes(p.order0_page.value);
    if (p.fault?.value === 'report' || p.fault?.value === 'panic') spec.fault = p.fault.value;
  } else spec.slabs = { kind: 'all', names: [] };
  if (interval === 0 && monitored.length !== slabs.length) spec.slabs = { kind: 'only', names: monitored };
  return spec;
}

function sameTokens(a: string, b: string): boolean {
  const x = kfenceTokens(a);
  const y = kfenceTokens(b);
  if (x.size !== y.size) return false;
  for (const [k, v] of x) if (y.get(k) !== v) return false;
  return true;
}

export async function rollbackHost(ctx: RunContext, host: string, before: HostFacts, allowReboot: boolean): Promise<HostRunResult> {
  const fail = (code: string, message: string): HostRunResult => {
    const error = { code, message };
    ctx.journal.append({ t: 'host', host, state: 'failed', error });
    ctx.bus.emit({ type: 'host.result', host, status: 'failed', pending_reboot: false, error });
    return { host, status: 'failed', pending_reboot: false, rebooted: false, touched: true, error };
  };
  try {
    const session = await ctx.pool.get(host);
    const now = await ctx.ports.collect(session, host);
    ctx.journal.append({ t: 'host', host, state: 'planned', boot_id: now.boot_id, facts_before: now });
    // 1. Live values, in the kernel's order, each read back.
    const play: Play = { ...ctx.play, kfence: specFromFacts(before) };
    const livePlan = planHost(play, now);
    if (livePlan.refused.length === 0 && livePlan.runtime.length > 0) {
      const o = await applyHostPlan(session, { ...livePlan, boot: null, unit: null, reboot: { required: false, reasons: [] } }, { check: false, bus: ctx.bus, commandTimeoutMs: ctx.commandTimeoutMs });
      if (o.status === 'failed' || o.status === 'unreachable') return fail(o.error?.code ?? 'ROLLBACK_FAILED', o.error?.message ?? 'restoring the live values failed');
    }
    // 2. Kernel args of every entry, and the unit.
    for (const change of revertArgsChanges(before, now)) {
      const r = await session.exec(buildBootArgsScript(change), { become: true, timeoutMs: ctx.commandTimeoutMs });
      if (r.code !== 0) return fail('ROLLBACK_ARGS_FAILED', `grubby failed restoring ${change.kernels.join(', ')}: ${r.stderr.trim()}`);
    }
    const unit = revertUnitChange(before, now);
    if (unit) await session.exec(buildUnitScript(unit), { become: true, timeoutMs: ctx.commandTimeoutMs });
    // 3. Boot-time state: reboot if the host booted with kfence args the run gave it.
    let rebooted = false;
    if (!sameTokens(now.cmdline, before.cmdline)) {
      if (!allowReboot) {
        ctx.journal.append({ t: 'host', host, state: 'pending_reboot', detail: 'restored args take effect at the next boot' });
        ctx.bus.emit({ type: 'host.result', host, status: 'pending_reboot', pending_reboot: true, detail: 'restored args take effect at the next boot' });
        return { host, status: 'pending_reboot', pending_reboot: true, rebooted: false, touched: true };
      }
      ctx.journal.append({ t: 'reboot', host, stage: 'fire', boot_id_before: now.boot_id });
      ctx.journal.append({ t: 'host', host, state: 'rebooting', boot_id: now.boot_id });
      await session.fire(fireCommand(ctx.run, now.boot_id), { become: true });
      const w = await waitForReboot({ host, bootIdBefore: now.boot_id, pool: ctx.pool, ports: ctx.ports, timeoutMs: ctx.play.reboot.timeout_ms, started: ctx.ports.now() });
      if (!w.ok) return fail('REBOOT_TIMEOUT', w.error ?? 'the host did not come back');
      ctx.journal.append({ t: 'reboot', host, stage: 'up', boot_id_before: now.boot_id, ...(w.bootId ? { boot_id_after: w.bootId } : {}) });
      rebooted = true;
    }
    // 4. Verify: booted args as before, live values as before.
    const after = await ctx.ports.collect(await ctx.pool.get(host), host);
    if (!sameTokens(after.cmdline, before.cmdline) && rebooted) return fail('ROLLBACK_NOT_VERIFIED', `after the reboot /proc/cmdline has kfence args "${[...kfenceTokens(after.cmdline)].map(([k, v]) => `${k}=${v}`).join(' ')}", not the recorded ones`);
    const check = planHost(play, after);
    if (!planIsEmpty({ ...check, boot: null, unit: null, reboot: { required: false, reasons: [] } }) && check.refused.length === 0) {
      // Something live did not survive a reboot (e.g. a runtime-only setting): converge once more.
      const o = await applyHostPlan(await ctx.pool.get(host), { ...check, boot: null, unit: null, reboot: { required: false, reasons: [] } }, { check: false, bus: ctx.bus, commandTimeoutMs: ctx.commandTimeoutMs });
      if (o.status === 'failed' || o.status === 'unreachable') return fail(o.error?.code ?? 'ROLLBACK_FAILED', o.error?.message ?? 'restoring the live values failed');
    }
    ctx.journal.append({ t: 'host', host, state: 'reverted', boot_id: after.boot_id, rebooted });
    ctx.bus.emit({ type: 'host.result', host, status: 'reverted', pending_reboot: false, detail: 'restored to the state recorded before the run' });
    return { host, status: 'reverted', pending_reboot: false, rebooted, touched: true };
  } catch (e) {
    const err = e as { code?: string; message: string };
    return fail(err.code ?? 'ROLLBACK_FAILED', err.message);
  }
}
