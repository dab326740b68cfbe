// What `kfleet report` remembers between runs, per host, under the state directory: the kernel-log
// cursor and the reports read so far in the current boot. Each run reads only what is new; a new
// boot id starts the host over (its old reports stay in the previous boot's file).
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

function file(stateDir: string, host: string): string {
  return join(stateDir, 'kernel-log', `${encodeURIComponent(host)}.json`);
}

export function loadHostLog(stateDir: string, host: string): HostLogState {
  try {
    return JSON.parse(readFileSync(file(stateDir, host), 'utf8')) as HostLogState;
  } catch {
    return { host, cursor: null, boot_time: null, release: null, reports: [] };
  }
}

export function saveHostLog(stateDir: string, s: HostLogState): void {
  mkdirSync(join(stateDir, 'kernel-log'), { recursive: true });
  const p = file(stateDir, s.host);
  const trimmed = { ...s, reports: s.reports.slice(-MAX_REPORTS_PER_HOST) };
  writeFileSync(`${p}.tmp`, JSON.stringify(trimmed));
  renameSync(`${p}.tmp`, p);
}
