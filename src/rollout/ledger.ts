// The ledger: the one place a run's progress is recorded. A host transition is written once, as a
// journal record (durable before the engine acts on it); the `host.result` event and the
// HostRunResult the engine counts with are derived from the same record through the state table
// (host-states.ts), so they cannot disagree and a missed append cannot happen. Phase, reboot,
// finding and end records go through here too: nothing else in the engine appends to the journal.
import type { EventBus } from '../events.js';
import type { HostStatus } from '../events.js';
import type { HostRecordState, HostState, Journal, JournalRecord } from './journal.js';
import { HOST_STATES, isTerminal } from './host-states.js';
import type { ErrorInfo } from '../error-codes.js';

export type HostError = ErrorInfo<string>;

export interface HostRunResult {
  host: string;
  status: HostStatus;
  pending_reboot: boolean;
  rebooted: boolean;
  /** Changed something (counts as touched for the phase). */
  touched: boolean;
  bootId?: string;
  error?: HostError;
}

/** One host transition: a journal host record (state and what goes with it), plus an override of
 *  the table (a failed reboot leaves a reboot pending). */
export type Transition = Omit<Extract<JournalRecord, { t: 'host' }>, 't' | 'host'> & { pending_reboot?: boolean };

type PhaseState = Extract<JournalRecord, { t: 'phase' }>['state'];
type RebootRecord = Omit<Extract<JournalRecord, { t: 'reboot' }>, 't'>;

export class Ledger {
  /** The latest result of every host that reached a terminal state in this run. */
  readonly results = new Map<string, HostRunResult>();
  private readonly rebooted = new Set<string>();

  constructor(
    private readonly journal: Pick<Journal, 'append'>,
    private readonly bus: EventBus,
  ) {}

  /** Record a host transition. Returns the host's result when the state is terminal. */
  host(host: string, t: Transition & { state: Exclude<HostState, 'planned' | 'applied' | 'staged' | 'rebooting'> }): HostRunResult;
  host(host: string, t: Transition): HostRunResult | null;
  host(host: string, t: Transition): HostRunResult | null {
    const { pending_reboot, ...rec } = t;
    this.journal.append({ t: 'host', host, ...rec });
    if (t.rebooted) this.rebooted.add(host);
    if (!isTerminal(t.state)) return null;
    const row = HOST_STATES[t.state];
    const rebooted = t.rebooted ?? this.rebooted.has(host);
    const result: HostRunResult = {
      host,
      status: row.status(rebooted)!,
      pending_reboot: pending_reboot ?? row.pendingReboot,
      rebooted,
      touched: row.touched,
      ...(t.boot_id && t.state !== 'unchanged' ? { bootId: t.boot_id } : {}),
      ...(t.error ? { error: t.error } : {}),
    };
    this.results.set(host, result);
    this.bus.emit({ type: 'host.result', host, status: result.status, pending_reboot: result.pending_reboot, ...(t.detail ? { detail: t.detail } : {}), ...(t.error ? { error: t.error } : {}) });
    return result;
  }

  /** A --check result: shown, counted, not journaled (a check run changes no host state). */
  checked(host: string, status: HostStatus, pendingReboot: boolean): HostRunResult {
    const result: HostRunResult = { host, status, pending_reboot: pendingReboot, rebooted: false, touched: false };
    this.results.set(host, result);
    this.bus.emit({ type: 'host.result', host, status, pending_reboot: pendingReboot });
    return result;
  }

  /** Results of hosts a resumed run had already finished (derived from the journal by the same table). */
  seed(hosts: Map<string, HostRecordState>): void {
    for (const [host, st] of hosts) {
      if (st.rebooted) this.rebooted.add(host);
      if (!isTerminal(st.state)) continue;
      const row = HOST_STATES[st.state];
      this.results.set(host, { host, status: row.status(st.rebooted)!, pending_reboot: row.pendingReboot, rebooted: st.rebooted, touched: row.touched, ...(st.error ? { error: st.error } : {}) });
    }
  }

  reboot(host: string, r: Omit<RebootRecord, 'host'>): void {
    if (r.stage === 'up' || r.stage === 'verified') this.rebooted.add(host);
    this.journal.append({ t: 'reboot', host, ...r });
  }

  phases(phases: string[][]): void {
    this.journal.append({ t: 'phases', phases });
  }

  phase(index: number, state: PhaseState, reason?: string): void {
    this.journal.append({ t: 'phase', index, state, ...(reason ? { reason } : {}) });
  }

  /** A trial boot's step (created, fired, confirmed, promoted, fell_back), durable before the engine acts on it. */
  trial(host: string, r: Omit<Extract<JournalRecord, { t: 'trial' }>, 't' | 'host'>): void {
    if (r.stage === 'fired' && r.boot_id_before) this.journal.append({ t: 'reboot', host, stage: 'fire', boot_id_before: r.boot_id_before });
    this.journal.append({ t: 'trial', host, ...r });
  }

  finding(host: string, phase: number, summary: string): void {
    this.journal.append({ t: 'finding', host, phase, summary });
  }

  end(verdict: string, exitCode: number, reason?: string): void {
    this.journal.append({ t: 'end', verdict, exit_code: exitCode, ...(reason ? { reason } : {}) });
  }
}
