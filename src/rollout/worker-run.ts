// `kfleet worker RUN`: one more controller on a running run (etcd only). It joins the run with its
// own lease, follows the shared journal, and whenever a phase is converging (its leader, the
// `apply` holding the fleet lock, recorded the phase's start) claims hosts of that phase and drives
// them exactly as the leader would (phase-claims.ts). Phase order, soak, health gates, budgets'
// verdicts and promotion stay the leader's: one decision per phase. The worker leaves when the run
// ends; it stops (LOCK_LOST, exit 5) the moment its lease is gone, and its hosts go back to the run.
import pLimit from 'p-limit';
import type { EventBus } from '../events.js';
import type { HostPlan } from '../plan/types.js';
import type { Play } from '../playbook/types.js';
import { RunMember } from '../state/coordination.js';
import type { RunContext } from './context.js';
import { abortRequested } from './control.js';
import { Journal, journalPath, type RunState } from './journal.js';
import { Ledger } from './ledger.js';
import { readLock } from './lock.js';
import { convergeClaimed, fencedPorts, fleetRebootLimit, sharedState } from './phase-claims.js';
import type { RolloutPorts } from './ports.js';
import { SessionPool } from './sessions.js';

export interface WorkerArgs {
  run: string;
  stateDir: string;
  play: Play;
  ports: RolloutPorts;
  bus: EventBus;
  commandTimeoutMs: number;
  ttlMs: number;
  admit?: (host: string, fresh: HostPlan) => HostPlan;
}

export interface WorkerSummary {
  run: string;
  /** The run's verdict (its end record). */
  verdict: string;
  exitCode: number;
  /** Hosts this worker settled. */
  settled: number;
}

const POLL_MS = Number(process.env.KFLEET_CLAIM_POLL_MS ?? '300');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The phase the leader is converging (its last record for it is 'start'), or -1. */
export function convergingPhase(st: RunState): number {
  if (!st.phasesKnown || st.end) return -1;
  for (let i = 0; i < st.phases.length; i++) if (st.phaseStates.get(i) === 'start') return i;
  return -1;
}

export async function runWorker(a: WorkerArgs): Promise<WorkerSummary> {
  const member = RunMember.join(a.stateDir, a.run, a.ttlMs);
  const ports = fencedPorts(a.ports, member);
  const pool = new SessionPool(ports);
  let st = sharedState(a);
  const journal = new Journal(journalPath(a.stateDir, a.run), st.lastSeq);
  const max = Math.max(1, a.play.reboot.max_parallel);
  const ctx: RunContext = {
    run: a.run,
    stateDir: a.stateDir,
    play: a.play,
    ports,
    pool,
    ledger: new Ledger(journal, a.bus),
    bus: a.bus,
    check: false,
    rebootLimit: fleetRebootLimit(member, max),
    commandTimeoutMs: a.commandTimeoutMs,
    ...(a.admit ? { admit: a.admit } : {}),
  };
  const forks = pLimit(Math.max(1, a.play.rollout.forks));
  let settled = 0;
  const off = a.bus.on((e) => {
    if (e.type === 'host.result') settled++;
  });
  a.bus.emit({ type: 'info', message: `worker joined run ${a.run} (lease TTL ${Math.round(a.ttlMs / 1000)} s)` });
  let leaderless = false;
  try {
    for (;;) {
      st = sharedState(a);
      if (st.end) break;
      member.lease.assertHeld();
      const owner = readLock(a.stateDir);
      if (owner?.run !== a.run && !leaderless) a.bus.emit({ type: 'warning', message: `run ${a.run} has no leader (no \`kfleet apply\` holds its fleet lock); this worker waits for \`kfleet apply --resume ${a.run}\`` });
      leaderless = owner?.run !== a.run;
      const i = convergingPhase(st);
      if (i >= 0 && !abortRequested(a.stateDir, a.run)) {
        const gated = a.play.rollout.soak_ms > 0 || a.play.rollout.health.command !== undefined;
        await convergeClaimed(ctx, member, { index: i, phase: st.phases[i]!, initial: new Map(), gated, forks, stillCurrent: (s) => convergingPhase(s) === i });
        await Promise.all(st.phases[i]!.map((h) => pool.drop(h)));
      }
      await sleep(POLL_MS);
    }
  } finally {
    off();
    journal.close();
    member.leave();
    await pool.closeAll();
  }
  return { run: a.run, verdict: st.end.verdict, exitCode: st.end.exit_code, settled };
}
