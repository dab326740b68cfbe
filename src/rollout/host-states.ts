// The one vocabulary of a host's state in a run. The journal's states are the source; the status a
// host shows in events, results and the recap (HostStatus) is derived from this table, and so is
// whether the state ends the host's run, whether the host was touched and whether a reboot is left
// pending. A new state is one row here (the compiler asks for it).
import type { HostStatus } from '../events.js';
import type { HostState } from './journal.js';

export interface StateRow {
  /** The host's run is over in this state (resume leaves it alone). */
  terminal: boolean;
  /** What the host is shown as; null while the host is still in flight. */
  status: (rebooted: boolean) => HostStatus | null;
  /** Something on the host was (or may have been) changed. */
  touched: boolean;
  /** A reboot kfleet did not do is still needed for the state to take effect. */
  pendingReboot: boolean;
}

const inFlight: StateRow = { terminal: false, status: () => null, touched: true, pendingReboot: false };

export const HOST_STATES = {
  planned: { ...inFlight, touched: false },
  applied: inFlight,
  staged: inFlight,
  rebooting: inFlight,
  unchanged: { terminal: true, status: () => 'ok', touched: false, pendingReboot: false },
  verified: { terminal: true, status: (rebooted) => (rebooted ? 'rebooted' : 'changed'), touched: true, pendingReboot: false },
  pending_reboot: { terminal: true, status: () => 'pending_reboot', touched: true, pendingReboot: true },
  refused: { terminal: true, status: () => 'refused', touched: false, pendingReboot: false },
  failed: { terminal: true, status: () => 'failed', touched: true, pendingReboot: false },
  unreachable: { terminal: true, status: () => 'unreachable', touched: true, pendingReboot: false },
  reverted: { terminal: true, status: () => 'reverted', touched: true, pendingReboot: false },
} as const satisfies Record<HostState, StateRow>;

export type TerminalState = { [K in HostState]: (typeof HOST_STATES)[K]['terminal'] extends true ? K : never }[HostState];

export function isTerminal(state: HostState): state is TerminalState {
  return HOST_STATES[state].terminal;
}

/** Statuses that count against the failure budgets. */
export const FAILED_STATUSES: ReadonlySet<HostStatus> = new Set<HostStatus>(['failed', 'unreachable', 'reverted']);

export function countsAsFailed(status: HostStatus): boolean {
  return FAILED_STATUSES.has(status);
}

/** The journal state an apply outcome's status maps to (converge speaks HostStatus). */
export function failureState(status: HostStatus, code: string): 'failed' | 'unreachable' {
  return status === 'unreachable' || code === 'UNREACHABLE' ? 'unreachable' : 'failed';
}
