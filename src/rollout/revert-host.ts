// Boot loop with fault=panic: restore the recorded previous args (and unit), reboot once, quarantine.
import type { HostFacts } from '../facts/types.js';
import { buildBootArgsScript, kfenceTokens, parseBootArgsOutput } from '../converge/boot-args.js';
import { buildUnitScript, UNIT_PATH } from '../converge/boot-unit.js';
import { shq } from '../shell-quote.js';
import type { RunContext } from './context.js';
import { errOf, fail } from './host-fail.js';
import type { HostError, HostRunResult } from './ledger.js';
import { quarantineHost, quarantinePath } from './quarantine.js';
import { fireCommand, waitForReboot } from './reboot.js';
import { revertArgsChanges, revertUnitChange } from '../plan/restore.js';

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

export async function revertHost(ctx: RunContext, host: string, before: HostFacts, why = 'boot loop'): Promise<HostRunResult> {
  const deadline = ctx.ports.now() + ctx.play.reboot.timeout_ms;
  let lastErr: HostError = { code: 'REVERT_FAILED', message: 'could not reach the host to revert it' };
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
        ctx.ledger.reboot(host, { stage: 'fire', boot_id_before: now.boot_id });
        await s.fire(fireCommand(ctx.run, now.boot_id), { become: true });
        const w = await waitForReboot({ host, bootIdBefore: now.boot_id, pool: ctx.pool, ports: ctx.ports, timeoutMs: Math.max(1000, deadline - ctx.ports.now()), started: ctx.ports.now() });
        if (!w.ok || !w.bootId) throw new Error(w.error ?? 'no return after the revert reboot');
        ctx.ledger.reboot(host, { stage: 'up', boot_id_before: now.boot_id, boot_id_after: w.bootId });
        bootId = w.bootId;
      }
      const error = { code: 'BOOT_LOOP_REVERTED', message: `boot loop with fault=panic (${why}): previous kernel arguments restored and the host quarantined`, hint: `inspect the KFENCE report in the previous boot's log (\`journalctl -k -b -1\`), then lift the quarantine with \`kfleet quarantine --release ${host}\` (it is kept in ${quarantinePath(ctx.stateDir)})` };
      quarantineHost(ctx.stateDir, host, { run: ctx.run, since: new Date().toISOString(), reason: why });
      return ctx.ledger.host(host, { state: 'reverted', rebooted: true, error, boot_id: bootId });
    } catch (e) {
      lastErr = errOf(e, 'REVERT_FAILED');
      await ctx.pool.drop(host);
      await ctx.ports.sleep(100);
    }
  }
  return fail(ctx, host, { ...lastErr, code: 'REVERT_FAILED' });
}
