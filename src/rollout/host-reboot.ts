// A host's reboot inside a rollout: fire it (journaled first, so a resumed run never fires twice),
// wait for the new boot id, then verify after the boot.
import type { HostFacts } from '../facts/types.js';
import type { RunContext } from './context.js';
import { errOf, fail } from './host-fail.js';
import { verifyAfterBoot } from './host-verify.js';
import type { HostRunResult } from './ledger.js';
import { fireCommand, waitForReboot } from './reboot.js';

export async function rebootAndVerify(ctx: RunContext, host: string, before: HostFacts, bootIdBefore: string, fire: boolean): Promise<HostRunResult> {
  const started = ctx.ports.now();
  if (fire) {
    ctx.ledger.reboot(host, { stage: 'fire', boot_id_before: bootIdBefore });
    ctx.ledger.host(host, { state: 'rebooting', boot_id: bootIdBefore });
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
    ctx.ledger.reboot(host, { stage: 'timeout' });
    ctx.bus.emit({ type: 'host.reboot', host, stage: 'timeout', ms: w.ms, ...(w.error ? { detail: w.error } : {}) });
    if (w.code) return fail(ctx, host, { code: w.code, message: `after the reboot: ${w.error ?? w.code}`, ...(w.hint ? { hint: w.hint } : {}) });
    return fail(ctx, host, { code: 'REBOOT_TIMEOUT', message: w.error ?? 'reboot did not complete', hint: `the host was fired a reboot at ${new Date(started).toISOString()}; check its console` }, { pending_reboot: true });
  }
  ctx.ledger.reboot(host, { stage: 'up', boot_id_before: bootIdBefore, boot_id_after: w.bootId });
  ctx.bus.emit({ type: 'host.reboot', host, stage: 'up', boot_id: w.bootId, ms: w.ms, ...(w.noticeMs !== undefined ? { detail: `noticed ${w.noticeMs} ms after SSH answered` } : {}) });
  return verifyAfterBoot(ctx, host, before, w.bootId, true);
}
