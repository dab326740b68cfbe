// The rollout loop: probe every host (probe-phase.ts), put the ones that need a change into
// phases, and for each phase converge its hosts behind the budget breaker (phase-converge.ts),
// check the failure budgets, soak with health gates (soak-verdict.ts), wait for promotion when
// asked (promotion.ts), and record every step through the ledger so that `--resume` can finish
// the run after the controller died without rebooting any host twice.
import pLimit, { type LimitFunction } from 'p-limit';
import type { RunContext } from './context.js';
import { abortRequested } from './control.js';
import { checkBudgets } from './budget.js';
import { PhaseBreaker } from './breaker.js';
import { countsAsFailed } from './host-states.js';
import type { Probed } from './host-probe.js';
import type { RunState } from './journal.js';
import type { HostRunResult } from './ledger.js';
import { convergePhase } from './phase-converge.js';
import { probePhase } from './probe-phase.js';
import { awaitPromotion } from './promotion.js';
import { countStatuses, verdictOf, type Halt, type RunSummary } from './run-summary.js';
import { soakPhase } from './soak-verdict.js';
import type { RunMember } from '../state/coordination.js';
import { fleetRebootLimit } from './phase-claims.js';

export type { RunSummary, Verdict } from './run-summary.js';

export interface RolloutInput {
  ctx: Omit<RunContext, 'rebootLimit'>;
  /** The play's hosts, in inventory order. */
  hosts: string[];
  /** Host pattern test for pattern phases. */
  matches: (pattern: string, host: string) => boolean;
  resume?: RunState;
  /** Probe results the caller already has (e.g. from showing the plan before confirming). */
  preprobed?: Map<string, Probed>;
  /** On etcd: this controller's part in the run (claims, the fleet-wide reboot semaphore). */
  member?: RunMember;
}

const ABORTED: Halt = { verdict: 'aborted', reason: 'aborted by `kfleet abort`' };

export async function runRollout(input: RolloutInput): Promise<RunSummary> {
  const max = Math.max(1, input.ctx.play.reboot.max_parallel);
  const rebootLimit = input.member ? fleetRebootLimit(input.member, max) : pLimit(max);
  const ctx: RunContext = { ...input.ctx, rebootLimit };
  const forks = pLimit(Math.max(1, ctx.play.rollout.forks));
  let phases: string[][];
  let initial = new Map<string, Probed>();
  if (input.resume?.phasesKnown) {
    phases = input.resume.phases;
    ctx.ledger.seed(input.resume.hosts);
    ctx.bus.emit({ type: 'info', message: `resuming run ${ctx.run}: ${ctx.ledger.results.size} of ${input.resume.meta.hosts.length} hosts already finished` });
  } else {
    ({ phases, initial } = await probePhase(ctx, input, forks));
  }
  const halt = await runPhases(ctx, phases, initial, forks, input.resume, input.member);
  const all = input.hosts.map((h) => ctx.ledger.results.get(h)).filter((r): r is HostRunResult => r !== undefined);
  const v = verdictOf(all, halt, ctx.check);
  ctx.ledger.end(v.verdict, v.exitCode, v.reason);
  return { run: ctx.run, ...v, phases, results: all, counts: countStatuses(input.hosts, all) };
}

function failedCount(ctx: RunContext, hosts?: string[]): number {
  const rs = hosts ? hosts.map((h) => ctx.ledger.results.get(h)) : [...ctx.ledger.results.values()];
  return rs.filter((r) => r && countsAsFailed(r.status)).length;
}

async function runPhases(ctx: RunContext, phases: string[][], initial: Map<string, Probed>, forks: LimitFunction, resume?: RunState, member?: RunMember): Promise<Halt | null> {
  const { play, ledger } = ctx;
  for (let i = 0; i < phases.length; i++) {
    const phase = phases[i]!;
    if (resume?.phaseStates.get(i) === 'done') continue;
    if (abortRequested(ctx.stateDir, ctx.run)) return ABORTED;
    ledger.phase(i, 'start');
    ctx.bus.emit({ type: 'phase.start', run: ctx.run, phase: i + 1, of: phases.length, hosts: phase });
    const gated = !ctx.check && (play.rollout.soak_ms > 0 || play.rollout.health.command !== undefined);
    const breaker = new PhaseBreaker(play.rollout, phase.length, failedCount(ctx, phase), failedCount(ctx));
    await convergePhase(ctx, { index: i, phase, initial, ...(resume ? { resume } : {}), gated, forks, breaker, ...(member ? { member } : {}) });
    ledger.phase(i, 'applied');
    const budgets = () => checkBudgets({ phaseFailed: failedCount(ctx, phase), phaseSize: phase.length, maxFailPercentage: play.rollout.max_fail_percentage, runFailed: failedCount(ctx), maxFailedHosts: play.rollout.max_failed_hosts });
    let verdict = budgets();
    const inPhase = () => phase.map((h) => ledger.results.get(h)).filter((r): r is HostRunResult => r !== undefined);
    if (!verdict.halt && gated) {
      await soakPhase(ctx, i, inPhase(), forks);
      verdict = budgets();
    }
    await Promise.all(phase.map((h) => ctx.pool.drop(h)));
    ctx.bus.emit({ type: 'phase.end', run: ctx.run, phase: i + 1, failed: failedCount(ctx, phase), touched: inPhase().filter((r) => r.touched).length, verdict: verdict.halt ? 'halted' : 'passed' });
    if (verdict.halt) {
      const notStarted = breaker.notStarted ? `; the breaker kept ${breaker.notStarted} host(s) of the phase from starting` : '';
      const reason = `${verdict.reason ?? 'a failure budget was exceeded'}${notStarted}`;
      ledger.phase(i, 'halted', reason);
      return { verdict: 'halted', reason };
    }
    if (abortRequested(ctx.stateDir, ctx.run)) return ABORTED;
    if (play.rollout.promote === 'manual' && i < phases.length - 1 && !ctx.check) {
      if (!(await awaitPromotion(ctx, i))) return { verdict: 'aborted', reason: 'aborted by `kfleet abort` while waiting for promotion' };
    }
    ledger.phase(i, 'done');
  }
  return null;
}
