// Soak and health gates after a phase: the hosts just changed are watched for the soak time —
// still reachable, no unexpected reboot (boot id unchanged), KFENCE findings (new reports in the
// kernel log or total bugs rising; a host where neither is readable is reported blind),
// and an optional command that must exit 0. Each policy is fail | report | ignore.
import pLimit from 'p-limit';
import { findingEvents } from '../report/finding-events.js';
import { kfenceReadCommand, parseKfenceRead, type KfenceRead } from '../report/kfence-read.js';
import type { DmesgCursor } from '../report/types.js';
import type { RunContext } from './context.js';
import { readBootId } from './reboot.js';

export interface Watched {
  host: string;
  bootId: string;
  /** `total bugs` at the last read; null when stats could not be read. */
  bugs: number | null;
  /** Where the kernel log was read up to; null when it could not be read. */
  cursor: DmesgCursor | null;
  /** The gate's blindness (neither stats nor the kernel log readable) was already reported. */
  blindReported?: boolean;
}

export interface SoakVerdict {
  host: string;
  ok: boolean;
  error?: { code: string; message: string; hint?: string };
  findings: string[];
}

/** One read of the host's KFENCE findings (report/kfence-read.ts: stats and the kernel log from the cursor on). */
export async function readFindings(ctx: RunContext, host: string, cursor: DmesgCursor | null): Promise<KfenceRead> {
  const s = await ctx.pool.get(host);
  const run = async (c: DmesgCursor | null) => parseKfenceRead((await s.exec(kfenceReadCommand(c), { become: true, timeoutMs: ctx.commandTimeoutMs, maxOutputBytes: 64 * 1024 * 1024 })).stdout, c);
  const r = await run(cursor);
  // Another boot: the command filtered by the old boot's cursor; read the new boot whole.
  return cursor && r.boot_id !== cursor.boot_id ? run(null) : r;
}

const timedOut = (e: unknown): boolean => (e as { code?: string }).code === 'TIMEOUT';

export async function baseline(ctx: RunContext, host: string): Promise<Watched | null> {
  try {
    const s = await ctx.pool.get(host);
    const bootId = await readBootId(s, ctx.commandTimeoutMs);
    const r = await readFindings(ctx, host, null);
    return { host, bootId, bugs: r.bugs, cursor: r.log?.cursor ?? null };
  } catch {
    return null;
  }
}

/**
 * The kfence_bugs gate's reading: new reports in the kernel log since the last read, and the rise
 * of `total bugs`, whichever says more. A host where neither can be read is blind: reported once
 * as a failed `kfence_bugs` health check, and a failure under `kfence_bugs: fail`.
 */
async function checkFindings(ctx: RunContext, w: Watched, v: SoakVerdict, failWith: (code: string, message: string, hint?: string) => void): Promise<void> {
  const policy = ctx.play.rollout.health.kfence_bugs;
  const r = await readFindings(ctx, w.host, w.cursor);
  const fresh = r.log?.reports ?? [];
  const counted = r.bugs !== null && w.bugs !== null && r.bugs > w.bugs ? r.bugs - w.bugs : 0;
  if (r.log) w.cursor = r.log.cursor;
  if (r.bugs !== null) w.bugs = r.bugs;
  if (!r.log && r.stats === null) {
    if (!w.blindReported) {
      w.blindReported = true;
      const detail = 'cannot observe KFENCE: the kernel log and /sys/kernel/debug/kfence/stats are both unreadable';
      ctx.bus.emit({ type: 'host.health', host: w.host, check: 'kfence_bugs', ok: false, detail });
      if (policy === 'fail') failWith('KFENCE_GATE_BLIND', `${detail}, so the kfence_bugs gate cannot pass this host`, 'mount debugfs (mount -t debugfs none /sys/kernel/debug) or let the SSH user read dmesg, or set health.kfence_bugs to report');
    }
    return;
  }
  const events = findingEvents({ host: w.host, reports: fresh });
  const n = Math.max(fresh.length, counted);
  for (const e of events) {
    if (!v.findings.includes(e.summary)) {
      v.findings.push(e.summary);
      ctx.bus.emit(e);
    }
  }
  if (n > fresh.length) {
    const summary = `${n - fresh.length} bug(s) counted in KFENCE stats without a report in the kernel log`;
    v.findings.push(summary);
    ctx.bus.emit({ type: 'host.finding', host: w.host, signature: 'stats-only', kind: 'unknown', summary });
  }
  if (n > 0 && policy === 'fail') {
    const what = events.map((e) => e.summary);
    failWith('KFENCE_FINDING', `KFENCE reported ${n} new bug(s): ${what.join('; ') || 'see dmesg'}`, 'run `kfleet report` for the full reports');
  }
}

async function checkOnce(ctx: RunContext, w: Watched, v: SoakVerdict): Promise<void> {
  const h = ctx.play.rollout.health;
  const failWith = (code: string, message: string, hint?: string) => {
    if (v.ok) v.error = { code, message, ...(hint ? { hint } : {}) };
    v.ok = false;
  };
  let session;
  try {
    let id: string;
    try {
      session = await ctx.pool.get(w.host);
      id = await readBootId(session, ctx.commandTimeoutMs);
    } catch (e) {
      if (!timedOut(e)) throw e;
      // A silent connection: the host crashed under it (nothing answers, not even a reset) or it
      // is just slow. A new connection tells: refused or unanswered is UNREACHABLE, a slow host
      // times out again (TIMEOUT).
      await ctx.pool.drop(w.host);
      session = await ctx.pool.get(w.host);
      id = await readBootId(session, ctx.commandTimeoutMs);
    }
    if (id !== w.bootId && h.unexpected_reboot !== 'ignore') {
      ctx.bus.emit({ type: 'host.health', host: w.host, check: 'unexpected_reboot', ok: false, detail: `boot id ${w.bootId} -> ${id}` });
      if (h.unexpected_reboot === 'fail') failWith('UNEXPECTED_REBOOT', `the host rebooted during the soak (boot id ${w.bootId} -> ${id})`, 'look for a panic in the previous boot: journalctl -k -b -1');
      w.bootId = id;
    }
  } catch (e) {
    ctx.bus.emit({ type: 'host.health', host: w.host, check: 'reachable', ok: false, detail: (e as Error).message });
    if (timedOut(e)) failWith('TIMEOUT', `the host did not answer within --command-timeout during the soak: ${(e as Error).message}`, 'a host this slow is not healthy; look at its load and console');
    else failWith('UNREACHABLE', `the host stopped answering during the soak: ${(e as Error).message}`);
    return;
  }
  if (h.kfence_bugs !== 'ignore') {
    try {
      await checkFindings(ctx, w, v, failWith);
    } catch (e) {
      // Reachability is checked above; a read that hangs past --command-timeout is a slow host.
      if (timedOut(e)) failWith('TIMEOUT', `reading KFENCE's findings did not finish within --command-timeout during the soak: ${(e as Error).message}`, 'a host this slow is not healthy; look at its load and console');
    }
  }
  if (h.command) {
    try {
      const r = await session.exec(h.command, { become: true, timeoutMs: ctx.commandTimeoutMs });
      const ok = r.code === 0;
      ctx.bus.emit({ type: 'host.health', host: w.host, check: 'command', ok, ...(ok ? {} : { detail: `exit ${r.code}: ${r.stdout.trim().split('\n').pop() ?? ''}` }) });
      if (!ok) failWith('HEALTH_COMMAND_FAILED', `health command exited ${r.code ?? r.signal}: ${(r.stdout + r.stderr).trim().split('\n').pop() ?? ''}`);
    } catch (e) {
      failWith('HEALTH_COMMAND_FAILED', `health command failed: ${(e as Error).message}`);
    }
  }
}

/** Watch the hosts for durationMs (at least one check, at the end). */
export async function soak(ctx: RunContext, watched: Watched[], durationMs: number, forks: number, shouldStop: () => boolean): Promise<SoakVerdict[]> {
  const verdicts = new Map(watched.map((w) => [w.host, { host: w.host, ok: true, findings: [] } as SoakVerdict]));
  const limit = pLimit(Math.max(1, forks));
  const end = ctx.ports.now() + durationMs;
  const tick = Math.min(5000, Math.max(250, Math.floor(durationMs / 4)));
  for (;;) {
    const last = ctx.ports.now() >= end;
    await Promise.all(watched.map((w) => limit(() => checkOnce(ctx, w, verdicts.get(w.host)!))));
    if (last || shouldStop()) break;
    await ctx.ports.sleep(Math.min(tick, Math.max(0, end - ctx.ports.now())));
  }
  return [...verdicts.values()];
}
