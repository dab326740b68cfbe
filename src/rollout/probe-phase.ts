// The probe phase: every host is probed before anything is written, so a host that cannot be
// changed (quarantined, refused by the planner or a saved plan) or needs nothing is known and
// recorded first; the rest are put into phases. The first phase uses these probes; later phases
// probe their hosts again when they start (a plan made before a long soak must not be applied to
// a host that moved since).
import type { LimitFunction } from 'p-limit';
import { planIsEmpty } from '../plan/types.js';
import type { RunContext } from './context.js';
import { probe, type Probed } from './host-probe.js';
import { computePhases } from './phases.js';
import { readQuarantine } from './quarantine.js';

export interface ProbePhaseInput {
  hosts: string[];
  matches: (pattern: string, host: string) => boolean;
  preprobed?: Map<string, Probed>;
}

export async function probePhase(ctx: RunContext, input: ProbePhaseInput, forks: LimitFunction): Promise<{ phases: string[][]; initial: Map<string, Probed> }> {
  const { ledger } = ctx;
  const initial = new Map<string, Probed>();
  const quarantined = readQuarantine(ctx.stateDir);
  await Promise.all(
    input.hosts.map((host) =>
      forks(async () => {
        const q = quarantined[host];
        if (q && !ctx.check) {
          ledger.host(host, { state: 'refused', error: { code: 'QUARANTINED', message: `quarantined by run ${q.run} since ${q.since}: ${q.reason}`, hint: `read its KFENCE report (journalctl -k -b -1 on the host), then \`kfleet quarantine --release ${host}\` to roll it again` } });
          return;
        }
        try {
          const p = input.preprobed?.get(host) ?? (await probe(ctx, host));
          input.preprobed?.delete(host);
          // One connection per host at a time: it is opened again when the host's phase comes.
          await ctx.pool.drop(host);
          const plan = ctx.admit ? ctx.admit(host, p.plan) : p.plan;
          if (plan.refused.length) {
            const r = plan.refused[0]!;
            ledger.host(host, { state: 'refused', error: { code: r.code, message: r.message, ...(r.hint ? { hint: r.hint } : {}) } });
          } else if (planIsEmpty(plan)) {
            ledger.host(host, { state: 'unchanged', boot_id: p.facts.boot_id });
          } else {
            initial.set(host, { facts: p.facts, plan });
          }
        } catch {
          // Unreachable at probe time: it goes into a phase and counts as failed there.
        }
      }),
    ),
  );
  const rolloutSet = input.hosts.filter((h) => !ledger.results.has(h));
  const phases = computePhases(rolloutSet, ctx.play.rollout.phases, input.matches);
  ledger.phases(phases);
  const first = new Set(phases[0] ?? []);
  for (const h of [...initial.keys()]) if (!first.has(h)) initial.delete(h);
  return { phases, initial };
}
