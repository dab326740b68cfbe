// Executes one HostPlan over one session: runtime steps (one script, each write read back), then
// the boot arguments through grubby (read back with grubby --info), then kfleet's boot unit (read
// back by hash). Stops at the first failure: nothing after a failed step is written.
import type { HostPlan } from '../plan/types.js';
import { planIsEmpty } from '../plan/types.js';
import type { HostSession } from '../transport/types.js';
import type { EventBus } from '../events.js';
import { isKfleetError } from '../errors.js';
import { buildRuntimeScript, describeExpectation, parseRuntimeOutput } from './runtime-script.js';
import { buildBootArgsScript, parseBootArgsOutput, verifyBootArgs } from './boot-args.js';
import { buildUnitScript, parseUnitHash } from './boot-unit.js';
import type { HostOutcome, StepResult } from './types.js';

export interface ApplyOptions {
  check: boolean;
  bus: EventBus;
  /** Per remote command (default 60 s). */
  commandTimeoutMs?: number;
}

class StepFailure extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export async function applyHostPlan(session: HostSession, plan: HostPlan, opts: ApplyOptions): Promise<HostOutcome> {
  const started = Date.now();
  const outcome: HostOutcome = {
    host: plan.host,
    status: 'ok',
    pending_reboot: false,
    steps: [],
    boot_args_changed: false,
    unit_changed: false,
    ms: 0,
  };
  const finish = (): HostOutcome => {
    outcome.ms = Date.now() - started;
    return outcome;
  };
  if (plan.refused.length > 0) {
    outcome.status = 'refused';
    const r = plan.refused[0]!;
    outcome.error = { code: r.code, message: r.message, ...(r.hint ? { hint: r.hint } : {}) };
    return finish();
  }
  if (planIsEmpty(plan)) return finish();
  if (opts.check) {
    outcome.status = plan.runtime.length || plan.boot || plan.unit ? 'changed' : 'ok';
    outcome.pending_reboot = plan.reboot.required;
    return finish();
  }
  const timeoutMs = opts.commandTimeoutMs ?? 60_000;
  try {
    if (plan.runtime.length) {
      outcome.steps = await runRuntime(session, plan, timeoutMs, opts.bus);
      outcome.status = 'changed';
    }
    if (plan.boot) {
      const r = await session.exec(buildBootArgsScript(plan.boot), { become: true, timeoutMs });
      const actual = parseBootArgsOutput(r.stdout);
      const problems = r.code === 0 ? verifyBootArgs(plan.boot, actual) : [`the bootloader change failed (exit ${r.code}): ${lastLine(r.stderr)}`];
      opts.bus.emit({ type: 'host.boot_args', host: plan.host, add: plan.boot.add, remove: plan.boot.remove, ok: problems.length === 0, ...(problems.length ? { error: problems.join('; ') } : {}) });
      if (problems.length) throw new StepFailure('BOOT_ARGS_NOT_APPLIED', `kernel arguments did not take: ${problems.join('; ')}`, 'check the boot entries (`kfleet status` names its bootloader); nothing after this step was changed');
      outcome.boot_args_changed = true;
      outcome.status = 'changed';
    }
    if (plan.unit) {
      const r = await session.exec(buildUnitScript(plan.unit), { become: true, timeoutMs });
      const hash = parseUnitHash(r.stdout);
      const want = plan.unit.action === 'install' ? plan.unit.hash : 'none';
      if (r.code !== 0 || hash !== want) {
        throw new StepFailure('BOOT_UNIT_NOT_APPLIED', `the boot unit ${plan.unit.action} did not take (exit ${r.code}, read back ${hash ?? 'nothing'}): ${lastLine(r.stderr)}`, 'check `systemctl status kfleet-kfence.service` on the host');
      }
      outcome.unit_changed = true;
      outcome.status = 'changed';
    }
    outcome.pending_reboot = plan.reboot.required;
  } catch (e) {
    // The host was reached (the plan came from its facts); a connection cut or a timeout while a
    // write script runs leaves it in an unknown state: that is a failed apply, with the cause in
    // the error code, not an unreachable host. Only a fresh connection that cannot be made is.
    outcome.status = isKfleetError(e) && e.code === 'UNREACHABLE' ? 'unreachable' : 'failed';
    if (e instanceof StepFailure || isKfleetError(e)) {
      outcome.error = { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
    } else {
      outcome.error = { code: 'APPLY_FAILED', message: e instanceof Error ? e.message : String(e) };
    }
    // A boot change that was made before the failure still leaves the host pending a reboot.
    outcome.pending_reboot = outcome.boot_args_changed && plan.reboot.required;
  }
  return finish();
}

async function runRuntime(session: HostSession, plan: HostPlan, timeoutMs: number, bus: EventBus): Promise<StepResult[]> {
  const script = buildRuntimeScript(plan.runtime);
  const r = await session.exec(script, { become: true, timeoutMs });
  const results = parseRuntimeOutput(plan.runtime, r.stdout);
  for (const s of results) {
    bus.emit({ type: 'host.step', host: plan.host, knob: s.knob, path: s.path, value: s.value, ok: s.ok, readback: s.readback, ...(s.error ? { error: s.error } : {}) });
  }
  const failed = results.find((s) => !s.ok);
  if (failed) {
    const step = plan.runtime[failed.index]!;
    let msg: string;
    if (failed.rc !== 0) msg = `writing ${failed.value} to ${failed.path} was rejected: ${failed.error ?? `exit ${failed.rc}`}`;
    else if (step.op === 'write') msg = `wrote ${failed.value} to ${failed.path}, but it reads back ${JSON.stringify(failed.readback)} (expected ${describeExpectation(step.expect)}): the kernel did not take it`;
    else msg = `KFENCE stats says enabled: ${failed.readback} after the change (expected ${step.enabled ? 1 : 0})`;
    const dmesg = await kfenceDmesgTail(session, timeoutMs);
    throw new StepFailure('WRITE_NOT_TAKEN', dmesg ? `${msg}; dmesg: ${dmesg}` : msg, 'nothing after this step was written; run `kfleet plan` again to see the host as it is now');
  }
  if (r.code !== 0 || results.length !== plan.runtime.length) {
    throw new StepFailure('RUNTIME_SCRIPT_FAILED', `the runtime script stopped after ${results.length} of ${plan.runtime.length} steps (exit ${r.code ?? r.signal ?? 'unknown'}): ${lastLine(r.stderr)}`);
  }
  return results;
}

async function kfenceDmesgTail(session: HostSession, timeoutMs: number): Promise<string> {
  try {
    const r = await session.exec("dmesg 2>/dev/null | grep -i 'kfence:' | tail -n 3", { become: true, timeoutMs: Math.min(timeoutMs, 10_000) });
    return r.stdout.trim().split('\n').filter(Boolean).map((l) => l.replace(/^\[[^\]]*\]\s*/, '')).join(' | ');
  } catch {
    return '';
  }
}

function lastLine(s: string): string {
  const lines = s.trim().split('\n').filter(Boolean);
  return lines[lines.length - 1] ?? '';
}
