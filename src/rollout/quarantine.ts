// Quarantine: a host the panic guard reverted (a boot loop with fault=panic) is kept out of later
// runs on the same state directory until someone has read its KFENCE report and lifts the
// quarantine with `kfleet quarantine --release HOST`. The file is rewritten atomically.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface QuarantineEntry {
  run: string;
  since: string;
  reason: string;
}

export function quarantinePath(stateDir: string): string {
  return join(stateDir, 'quarantine.json');
}

export function readQuarantine(stateDir: string): Record<string, QuarantineEntry> {
  try {
    return JSON.parse(readFileSync(quarantinePath(stateDir), 'utf8')) as Record<string, QuarantineEntry>;
  } catch {
    return {};
  }
}

function writeQuarantine(stateDir: string, all: Record<string, QuarantineEntry>): void {
  mkdirSync(stateDir, { recursive: true });
  const tmp = `${quarantinePath(stateDir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n');
  renameSync(tmp, quarantinePath(stateDir));
}

export function quarantineHost(stateDir: string, host: string, entry: QuarantineEntry): void {
  writeQuarantine(stateDir, { ...readQuarantine(stateDir), [host]: entry });
}

/** Lift a host's quarantine; false when it was not quarantined. */
export function releaseHost(stateDir: string, host: string): boolean {
  const all = readQuarantine(stateDir);
  if (!(host in all)) return false;
  delete all[host];
  writeQuarantine(stateDir, all);
  return true;
}
