// Converge the hosts of one phase, forks at a time, behind the in-phase budget breaker: once the
// phase's failures make a budget impossible to meet, hosts not yet started stay untouched.
import type { LimitFunction } from 'p-limit';
import type { RunContext } from './context.js';
import { abortRequested } from './control.js';
import { PhaseBreaker } from './breaker.js';
import { runHost } from './host-run.js';
import type { Probed } from './host-probe.js';
import type { RunState } from './journal.js';
import type { RunMember } from '../state/coordination.js';
import { convergeClaimed } from './phase-claims.js';

export async function convergePhase(ctx: RunContext, a: { index: number; phase: string[]; initial: Map<string, Probed>; resume?: RunState; gated: boolean; forks: LimitFunction; breaker: PhaseBreaker; member?: RunMember }): Promise<void> {
  // On etcd, with the other controllers of the run (`kfleet worker`): hosts through leased claims.
  if (a.member) return convergeClaimed(ctx, a.member, a);
  const { ledger } = ctx;
  const todo = a.phase.filter((h) => !ledger.results.has(h));
  let warned = false;
  await Promise.all(
    todo.map((host) =>
      a.forks(async () => {
        if (abortRequested(ctx.stateDir, ctx.run)) return;
        const tripped = a.breaker.tripped();
        if (tripped) {
          a.breaker.skip();
          if (!warned) ctx.bus.emit({ type: 'warning', message: `phase ${a.index + 1}: ${tripped}; no further host of the phase is started` });
          warned = true;
          return;
        }
        const pre = a.initial.get(host);
        a.initial.delete(host);
        const r = await runHost(ctx, host, a.resume?.hosts.get(host), pre, a.breaker);
        a.breaker.record(r);
        // Without a soak or a health command nothing more is done on this host in this run.
        if (!a.gated) await ctx.pool.drop(host);
      }),
    ),
  );
}
