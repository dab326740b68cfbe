// The run's verdict and exit code, from the hosts' results (pure), recorded as the journal's end.
import { EXIT } from '../errors.js';
import { countsAsFailed } from './host-states.js';
import type { HostRunResult } from './ledger.js';

export type Verdict = 'converged' | 'pending_reboot' | 'halted' | 'aborted' | 'refused' | 'checked';

export interface RunSummary {
  run: string;
  verdict: Verdict;
  exitCode: number;
  reason?: string;
  phases: string[][];
  results: HostRunResult[];
  counts: Record<string, number>;
}

export interface Halt {
  verdict: 'halted' | 'aborted';
  reason: string;
}

export function verdictOf(all: HostRunResult[], halt: Halt | null, check: boolean): { verdict: Verdict; exitCode: number; reason?: string } {
  if (halt) return { verdict: halt.verdict, exitCode: halt.verdict === 'aborted' ? EXIT.ABORTED : EXIT.FAILED, reason: halt.reason };
  const failed = all.filter((r) => countsAsFailed(r.status)).length;
  if (failed) return { verdict: 'halted', exitCode: EXIT.FAILED, reason: `${failed} host(s) failed` };
  if (check) return { verdict: 'checked', exitCode: all.some((r) => r.status === 'refused') ? EXIT.REFUSED : EXIT.OK };
  const pending = all.filter((r) => r.pending_reboot).length;
  if (pending) return { verdict: 'pending_reboot', exitCode: EXIT.PENDING_REBOOT, reason: `${pending} host(s) need a reboot that kfleet was not allowed to do (reboot.allowed: false)` };
  const refused = all.filter((r) => r.status === 'refused').length;
  if (refused) return { verdict: 'refused', exitCode: EXIT.REFUSED, reason: `${refused} host(s) were refused` };
  return { verdict: 'converged', exitCode: EXIT.OK };
}

export function countStatuses(hosts: string[], all: HostRunResult[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of all) counts[r.status] = (counts[r.status] ?? 0) + 1;
  counts.untouched = hosts.length - all.length;
  return counts;
}
