// Runs one play as a rollout: lock, journal, ledger, engine. Used by apply, --resume and demo
// through the front door (index.ts).
import type { EventBus } from '../events.js';
import type { HostPlan } from '../plan/types.js';
import type { Play } from '../playbook/types.js';
import { FleetLock, readLock, isStale } from './lock.js';
import { Journal, createJournal, journalPath, newRunId, type RunMeta, type RunState } from './journal.js';
import { runRollout, type RunSummary } from './engine.js';
import type { Probed } from './host-probe.js';
import { Ledger } from './ledger.js';
import type { RolloutPorts } from './ports.js';
import { SessionPool } from './sessions.js';
import { RunMember } from '../state/coordination.js';
import { fencedPorts } from './phase-claims.js';

export interface PlayRunArgs {
  play: Play;
  hosts: string[];
  ports: RolloutPorts;
  bus: EventBus;
  stateDir: string;
  check: boolean;
  matches: (pattern: string, host: string) => boolean;
  meta: Omit<RunMeta, 'run' | 'play' | 'hosts' | 'check'>;
  takeOverLock?: boolean;
  commandTimeoutMs: number;
  preprobed?: Map<string, Probed>;
  resume?: RunState;
  pool?: SessionPool;
  /** A saved plan's admission of each host's fresh plan (saved-plan.ts). */
  admit?: (host: string, fresh: HostPlan) => HostPlan;
}

export async function runPlay(a: PlayRunArgs): Promise<RunSummary> {
  const run = a.resume?.meta.run ?? newRunId();
  // A resumed run takes over its own stale lock without asking.
  const own = a.resume ? readLock(a.stateDir) : null;
  const takeOver = a.takeOverLock || (own !== null && own.run === run && isStale(own));
  const lock = a.check ? null : FleetLock.acquire(a.stateDir, run, { takeOver });
  const journal = a.resume ? new Journal(journalPath(a.stateDir, run), a.resume.lastSeq) : createJournal(a.stateDir, { ...a.meta, run, play: a.play.name, hosts: a.hosts, check: a.check });
  // On etcd the run is open to `kfleet worker`s: hosts through claims, remote commands fenced by the lease.
  const member = lock ? RunMember.lead(a.stateDir, run) : null;
  const ports = member ? fencedPorts(a.ports, member) : a.ports;
  const pool = a.pool ?? new SessionPool(ports);
  a.bus.emit({ type: 'run.start', run, command: a.meta.command, hosts: a.hosts.length, check: a.check });
  try {
    const summary = await runRollout({
      ctx: { run, stateDir: a.stateDir, play: a.play, ports, pool, ledger: new Ledger(journal, a.bus), bus: a.bus, check: a.check, commandTimeoutMs: a.commandTimeoutMs, ...(a.admit ? { admit: a.admit } : {}) },
      hosts: a.hosts,
      matches: a.matches,
      ...(a.resume ? { resume: a.resume } : {}),
      ...(a.preprobed ? { preprobed: a.preprobed } : {}),
      ...(member ? { member } : {}),
    });
    a.bus.emit({ type: 'run.end', run, verdict: summary.verdict, exit_code: summary.exitCode, summary: summary.counts });
    return summary;
  } finally {
    journal.close();
    lock?.release();
    if (!a.pool) await pool.closeAll();
  }
}
