// A host's failure, recorded once through the ledger: unreachable when kfleet could not connect at
// all; a host that was reached and then dropped the connection or let a command time out is a
// failed host, with that cause in its error code.
import { isKfleetError } from '../errors.js';
import type { HostStatus } from '../events.js';
import type { RunContext } from './context.js';
import { failureState } from './host-states.js';
import type { HostError, HostRunResult } from './ledger.js';

export function errOf(e: unknown, fallback = 'HOST_FAILED'): HostError {
  if (isKfleetError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  return { code: fallback, message: e instanceof Error ? e.message : String(e) };
}

export function fail(ctx: RunContext, host: string, error: HostError, extra: { status?: HostStatus; pending_reboot?: boolean } = {}): HostRunResult {
  const state = failureState(extra.status ?? 'failed', error.code);
  return ctx.ledger.host(host, { state, error, ...(extra.pending_reboot ? { pending_reboot: true } : {}) });
}
