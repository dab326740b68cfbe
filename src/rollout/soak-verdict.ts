// The soak verdict of a phase: the hosts it changed are watched (soak.ts); a host whose watch
// failed is recorded failed, unless with fault=panic the panic guard finds a KFENCE boot loop
// and reverts it. Returns how many hosts the soak failed.
import type { LimitFunction } from 'p-limit';
import type { HostFacts } from '../facts/types.js';
import type { RunContext } from './context.js';
import { abortRequested } from './control.js';
import { countsAsFailed } from './host-states.js';
import { journalPath, readJournal, replay } from './journal.js';
import type { HostRunResult } from './ledger.js';
import { baseline, soak, type Watched } from './soak.js';
import { GUARDED_SOAK_CODES, soakPanicGuard } from './soak-guard.js';

function factsBeforeFromJournal(ctx: RunContext, host: string): HostFacts | undefined {
  try {
    return replay(readJournal(journalPath(ctx.stateDir, ctx.run))).hosts.get(host)?.facts_before;
  } catch {
    return undefined;
  }
}

export async function soakPhase(ctx: RunContext, index: number, inPhase: HostRunResult[], forks: LimitFunction): Promise<number> {
  const { play, ledger } = ctx;
  const watch = inPhase.filter((r) => r.touched && !countsAsFailed(r.status));
  const watched = (await Promise.all(watch.map((r) => forks(() => baseline(ctx, r.host))))).filter((w): w is Watched => w !== null);
  ledger.phase(index, 'soak');
  ctx.bus.emit({ type: 'phase.soak', run: ctx.run, phase: index + 1, ms: play.rollout.soak_ms });
  const baseIds = new Map(watched.map((w) => [w.host, w.bootId]));
  const verdicts = await soak(ctx, watched, play.rollout.soak_ms, play.rollout.forks, () => abortRequested(ctx.stateDir, ctx.run));
  // fault=panic: a host that rebooted or vanished during the soak may be looping on a KFENCE panic.
  const guarded = new Set<string>();
  if (play.kfence.fault === 'panic') {
    await Promise.all(
      verdicts
        .filter((v) => !v.ok && GUARDED_SOAK_CODES.has(v.error?.code ?? ''))
        .map((v) =>
          forks(async () => {
            // The facts before the run are in the journal ('planned'); not kept in memory per host.
            const before = factsBeforeFromJournal(ctx, v.host);
            const w = watched.find((x) => x.host === v.host);
            if (!before || !w) return;
            // Reverted (or the revert failed): recorded by the guard.
            if (await soakPanicGuard(ctx, v.host, before, baseIds.get(v.host) ?? w.bootId, w.bootId)) guarded.add(v.host);
          }),
        ),
    );
  }
  let failed = 0;
  for (const v of verdicts) {
    for (const f of v.findings) ledger.finding(v.host, index + 1, f);
    if (v.ok) continue;
    failed++;
    if (guarded.has(v.host)) continue;
    const prev = ledger.results.get(v.host)!;
    ledger.host(v.host, { state: v.error?.code === 'UNREACHABLE' ? 'unreachable' : 'failed', pending_reboot: prev.pending_reboot, ...(v.error ? { error: v.error } : {}) });
  }
  return failed;
}
