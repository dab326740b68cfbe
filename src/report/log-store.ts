// What `kfleet report` remembers between runs, per host, under the state directory: the kernel-log
// cursor and the reports read so far in the current boot. Each run reads only what is new; a new
// boot id starts the host over (its old reports stay in the previous boot's file).
import { stateStore } from '../state/open.js';
import type { DmesgCursor, KfenceReport } from './types.js';

export interface HostLogState {
  host: string;
  cursor: DmesgCursor | null;
  /** Wall-clock boot time (ISO) of the boot the cursor belongs to. */
  boot_time: string | null;
  release: string | null;
  reports: KfenceReport[];
}

/** At most this many reports are kept per host and boot (the newest); counts stay exact in stats. */
export const MAX_REPORTS_PER_HOST = 500;

// Stored through the state port (src/state): kernel-log/<host>.json in a state directory, or a key on etcd.
export function loadHostLog(stateDir: string, host: string): HostLogState {
  return stateStore(stateDir).loadHostLog(host) ?? { host, cursor: null, boot_time: null, release: null, reports: [] };
}

export function saveHostLog(stateDir: string, s: HostLogState): void {
  stateStore(stateDir).saveHostLog({ ...s, reports: s.reports.slice(-MAX_REPORTS_PER_HOST) });
}
