// What `kfleet report` remembers between runs, per host, under the state directory: the kernel-log
// cursor and the reports read so far in the current boot. Each run reads only what is new; a new
// boot id starts the host over (its old reports stay in the previous boot's file).
import { stateStore } from '../state/open.js';
import type { Observation } from './exposure.js';
import type { DmesgCursor, KfenceReport } from './types.js';

export interface HostLogState {
  host: string;
  cursor: DmesgCursor | null;
  /** Wall-clock boot time (ISO) of the boot the cursor belongs to. */
  boot_time: string | null;
  release: string | null;
  reports: KfenceReport[];
  /** Where live reading stopped in each ended boot (boot key -> cursor): its journal is read from there. */
  boot_cursors?: Record<string, DmesgCursor>;
  /** Ended boots whose journal was read, and crash files (pstore, vmcore-dmesg) read: never read again. */
  read_boots?: string[];
  read_files?: string[];
  /** Fingerprints of the reports taken from live logs and journals (boot-sources.ts), with counts. */
  known?: Record<string, number>;
  /** Reports from ended boots, per source (`live` for what was read while the boot ran). */
  past?: { source: string; boot: string | null; reports: KfenceReport[] }[];
  /** One observation per read, for exposure accounting (the newest MAX_OBSERVATIONS). */
  observations?: Observation[];
}

export const MAX_OBSERVATIONS = 2000;

/** At most this many known fingerprints are kept per host (the newest). */
const MAX_KNOWN = 5000;

/** At most this many reports are kept per host and boot (the newest); counts stay exact in stats. */
export const MAX_REPORTS_PER_HOST = 500;

// Stored through the state port (src/state): kernel-log/<host>.json in a state directory, or a key on etcd.
export function loadHostLog(stateDir: string, host: string): HostLogState {
  return stateStore(stateDir).loadHostLog(host) ?? { host, cursor: null, boot_time: null, release: null, reports: [] };
}

export function saveHostLog(stateDir: string, s: HostLogState): void {
  const known = s.known ? Object.fromEntries(Object.entries(s.known).slice(-MAX_KNOWN)) : undefined;
  const trimmed = { ...s, reports: s.reports.slice(-MAX_REPORTS_PER_HOST), ...(known ? { known } : {}), ...(s.past ? { past: trimPast(s.past) } : {}), ...(s.observations ? { observations: s.observations.slice(-MAX_OBSERVATIONS) } : {}) };
  stateStore(stateDir).saveHostLog(trimmed);
}

/** Keep the newest MAX_REPORTS_PER_HOST reports of ended boots. */
function trimPast(past: NonNullable<HostLogState['past']>): NonNullable<HostLogState['past']> {
  let room = MAX_REPORTS_PER_HOST;
  const out: NonNullable<HostLogState['past']> = [];
  for (let i = past.length - 1; i >= 0 && room > 0; i--) {
    const p = past[i]!;
    const reports = p.reports.slice(-room);
    room -= reports.length;
    out.unshift({ ...p, reports });
  }
  return out;
}
