// Failure budgets (pure). Unreachable hosts count as failed. The comparison is strict, like
// Ansible's max_fail_percentage ("must be exceeded"): with max_fail_percentage 20 and a phase of
// 10 hosts, 2 failures pass and 3 halt; with 0, any failure halts. max_failed_hosts is a global
// count across the whole run: the run halts when failures exceed it.

export interface BudgetVerdict {
  halt: boolean;
  /** Which budget stopped the run, in a sentence. */
  reason?: string;
  budget?: 'max_fail_percentage' | 'max_failed_hosts';
}

export function checkBudgets(args: {
  phaseFailed: number;
  phaseSize: number;
  maxFailPercentage: number;
  runFailed: number;
  maxFailedHosts: number | undefined;
}): BudgetVerdict {
  const { phaseFailed, phaseSize, maxFailPercentage, runFailed, maxFailedHosts } = args;
  if (phaseSize > 0 && (phaseFailed * 100) / phaseSize > maxFailPercentage) {
    const pct = Math.round(((phaseFailed * 100) / phaseSize) * 10) / 10;
    return {
      halt: true,
      budget: 'max_fail_percentage',
      reason: `${phaseFailed} of ${phaseSize} hosts in the phase failed (${pct}%), more than max_fail_percentage ${maxFailPercentage}%`,
    };
  }
  if (maxFailedHosts !== undefined && runFailed > maxFailedHosts) {
    return {
      halt: true,
      budget: 'max_failed_hosts',
      reason: `${runFailed} hosts failed in this run, more than max_failed_hosts ${maxFailedHosts}`,
    };
  }
  return { halt: false };
}
