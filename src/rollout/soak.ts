// Soak and health gates after a phase: the hosts just changed are watched for the soak time —
// still reachable, no unexpected reboot (boot id unchanged), KFENCE findings (total bugs rising),
// and an optional command that must exit 0. Each policy is fail | report | ignore.
import pLimit from 'p-limit';
import type { RunContext } from './context.js';
import { readBootId } from './reboot.js';

export interface Watched {
  host: string;
  bootId: string;
  bugs: number;
}

export interface SoakVerdict {
  host: string;
  ok: boolean;
  error?: { code: string; message: string; hint?: string };
  findings: string[];
}

const STATS = '/sys/kernel/debug/kfence/stats';

export async function readBugs(ctx: RunContext, host: string): Promise<{ bugs: number; titles: string[] }> {
  const s = await ctx.pool.get(host);
  const r = await s.exec(
    `sed -n 's/^[[:space:]]*total bugs[[:space:]]*:[[:space:]]*//p' ${STATS} 2>/dev/null | head -n 1; echo @@; dmesg 2>/dev/null | grep -o 'BUG: KFENCE: .*' | tail -n 20`,
    { become: true, timeoutMs: ctx.commandTimeoutMs },
  );
  const [head, tail] = r.stdout.split('@@\n');
  const bugs = Number((head ?? '').trim() || '0');
  return { bugs: Number.isFinite(bugs) ? bugs : 0, titles: (tail ?? '').split('\n').map((l) => l.trim()).filter(Boolean) };
}

const timedOut = (e: unknown): boolean => (e as { code?: string }).code === 'TIMEOUT';

export async function baseline(ctx: RunContext, host: string): Promise<Watched | null> {
  try {
    const s = await ctx.pool.get(host);
    const bootId = await readBootId(s, ctx.commandTimeoutMs);
    const { bugs } = await readBugs(ctx, host);
    return { host, bootId, bugs };
  } catch {
    return null;
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
      const { bugs, titles } = await readBugs(ctx, w.host);
      if (bugs > w.bugs) {
        const fresh = titles.slice(-(bugs - w.bugs));
        for (const t of fresh) {
          if (!v.findings.includes(t)) {
            v.findings.push(t);
            ctx.bus.emit({ type: 'host.finding', host: w.host, signature: t.replace(/\+0x[0-9a-f]+\/0x[0-9a-f]+/g, ''), kind: t.replace(/^BUG: KFENCE: /, '').split(' in ')[0] ?? 'bug', summary: t });
          }
        }
        if (h.kfence_bugs === 'fail') failWith('KFENCE_FINDING', `KFENCE reported ${bugs - w.bugs} new bug(s): ${fresh.join('; ') || 'see dmesg'}`, 'run `kfleet report` for the full reports');
        w.bugs = bugs;
      }
    } catch (e) {
      // Reachability is checked above; a read that hangs past --command-timeout is a slow host.
      if (timedOut(e)) failWith('TIMEOUT', `reading KFENCE's bug count did not finish within --command-timeout during the soak: ${(e as Error).message}`, 'a host this slow is not healthy; look at its load and console');
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
