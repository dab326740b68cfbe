// Out-of-band control of a running rollout: `kfleet promote RUN` and `kfleet abort RUN` drop
// marker files in the run's directory; the engine polls for them.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runDir } from './journal.js';

export function requestAbort(stateDir: string, run: string, reason = 'aborted by the user'): void {
  mkdirSync(runDir(stateDir, run), { recursive: true });
  writeFileSync(join(runDir(stateDir, run), 'abort'), reason + '\n');
}

export function requestPromote(stateDir: string, run: string, phase: number | 'next'): void {
  mkdirSync(runDir(stateDir, run), { recursive: true });
  writeFileSync(join(runDir(stateDir, run), `promote-${phase}`), new Date().toISOString() + '\n');
}

export function abortRequested(stateDir: string, run: string): boolean {
  return existsSync(join(runDir(stateDir, run), 'abort'));
}


/** True once promotion of `phase` (1-based) was asked; a `promote-next` marker is used up. */
export function consumePromote(stateDir: string, run: string, phase: number): boolean {
  const d = runDir(stateDir, run);
  if (existsSync(join(d, `promote-${phase}`))) return true;
  const next = join(d, 'promote-next');
  if (existsSync(next)) {
    renameSync(next, join(d, `promote-${phase}`));
    return true;
  }
  return false;
}
