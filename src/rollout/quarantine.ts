// Quarantine: a host the panic guard reverted (a boot loop with fault=panic) is kept out of later
// runs on the same state store until someone has read its KFENCE report and lifts the quarantine
// with `kfleet quarantine --release HOST`.
import { stateStore } from '../state/open.js';

export interface QuarantineEntry {
  run: string;
  since: string;
  reason: string;
}

/** Where the quarantine list lives, for messages. */
export function quarantinePath(stateDir: string): string {
  return stateStore(stateDir).quarantineWhere();
}

export function readQuarantine(stateDir: string): Record<string, QuarantineEntry> {
  return stateStore(stateDir).readQuarantine();
}

export function quarantineHost(stateDir: string, host: string, entry: QuarantineEntry): void {
  stateStore(stateDir).quarantineHost(host, entry);
}

/** Lift a host's quarantine; false when it was not quarantined. */
export function releaseHost(stateDir: string, host: string): boolean {
  return stateStore(stateDir).releaseHost(host);
}
