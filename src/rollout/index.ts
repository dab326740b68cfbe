// The rollout front door: what commands call. Commands read their input, call one of these, and
// render the result; the engine, ledger, journal, lock and session pool stay behind this file.
import { EXIT, KfleetError } from '../errors.js';
import { journalPath, readJournal, replay, type RunState } from './journal.js';

export { runPlay, type PlayRunArgs } from './start-run.js';
export { probeFleet } from './probe-fleet.js';
export { fanOut, overSessions, hostErrorOf, type Reached } from './fleet.js';
export { rollbackRun, touchedHosts } from './rollback-run.js';
export { checkAgainstSaved, savedPlanAdmission } from './saved-plan.js';
export type { RunSummary, Verdict } from './run-summary.js';
export type { HostRunResult, HostError } from './ledger.js';
export type { Probed } from './host-probe.js';
export type { RolloutPorts } from './ports.js';
export type { RunState } from './journal.js';

/** A run's journal, replayed; a sentence with what to do when it cannot be read. */
export function loadRun(stateDir: string, run: string): RunState {
  try {
    return replay(readJournal(journalPath(stateDir, run)));
  } catch (e) {
    throw new KfleetError('RUN_UNKNOWN', `cannot read run ${run} in ${stateDir}: ${(e as Error).message}`, { exitCode: EXIT.INPUT, hint: '`kfleet runs` lists the runs; pass --state-dir if the run lives elsewhere' });
  }
}
