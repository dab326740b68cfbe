// The in-phase budget breaker. Failures are counted as they happen; the moment they make the
// phase's budget (max_fail_percentage of the phase's size) or the run's (max_failed_hosts)
// impossible to meet, the breaker trips: no new host of the phase starts (nor does a staged
// host's reboot), hosts in flight finish their step, and the run halts naming the budget.
// Failures only ever grow within a phase, so "impossible to meet" is "already exceeded".
import type { Play } from '../playbook/types.js';
import { checkBudgets, type BudgetVerdict } from './budget.js';
import { countsAsFailed } from './host-states.js';
import type { HostRunResult } from './ledger.js';

export class PhaseBreaker {
  private verdict: BudgetVerdict = { halt: false };
  private skipped = 0;

  constructor(
    private readonly rollout: Play['rollout'],
    private readonly phaseSize: number,
    private phaseFailed: number,
    private runFailed: number,
  ) {
    this.check();
  }

  private readonly counted = new Set<string>();

  /** Count a finished host (once: a host's reboot slot records it before the slot is freed). */
  record(r: HostRunResult): void {
    if (!countsAsFailed(r.status) || this.counted.has(r.host)) return;
    this.counted.add(r.host);
    this.phaseFailed++;
    this.runFailed++;
    this.check();
  }

  /** The budget sentence once tripped, else null. */
  tripped(): string | null {
    return this.verdict.halt ? (this.verdict.reason ?? 'a failure budget was exceeded') : null;
  }

  /** A host was not started because the breaker had tripped. */
  skip(): void {
    this.skipped++;
  }

  get notStarted(): number {
    return this.skipped;
  }

  get budget(): BudgetVerdict['budget'] {
    return this.verdict.budget;
  }

  private check(): void {
    if (this.verdict.halt) return;
    this.verdict = checkBudgets({ phaseFailed: this.phaseFailed, phaseSize: this.phaseSize, maxFailPercentage: this.rollout.max_fail_percentage, runFailed: this.runFailed, maxFailedHosts: this.rollout.max_failed_hosts });
  }
}
