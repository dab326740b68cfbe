// One phase driven by several controllers on an etcd store (the leader's `apply` and any number of
// `kfleet worker`s): a controller starts a host only after claiming it in etcd (a key bound to its
// lease, so a dead controller's hosts come back when its lease lapses) and after reading, once the
// claim is held, where the shared journal says the host stands (a host another controller settled
// is left alone; one it left half way is resumed from its journaled state, never rebooted twice).
// The phase's failures are counted from the shared journal, so the in-phase breaker trips for all
// controllers at once. Reboots take one of reboot.max_parallel slots of a fleet-wide semaphore.
// Every remote command first checks this controller's lease (a local read while it is renewed):
// a controller paused past its TTL cannot send anything once it wakes.
import pLimit, { type LimitFunction } from 'p-limit';
import type { Play } from '../playbook/types.js';
import type { RunMember } from '../state/coordination.js';
import type { HostSession } from '../transport/types.js';
import { abortRequested } from './control.js';
import { PhaseBreaker } from './breaker.js';
import type { RunContext } from './context.js';
import type { Probed } from './host-probe.js';
import { runHost } from './host-run.js';
import { countsAsFailed, HOST_STATES, isTerminal } from './host-states.js';
import { journalPath, readJournal, replay, type HostRecordState, type RunState } from './journal.js';
import type { RolloutPorts } from './ports.js';

/** How often a controller looks for unclaimed hosts and settled ones (ms). */
const POLL_MS = Number(process.env.KFLEET_CLAIM_POLL_MS ?? '300');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function sharedState(ctx: Pick<RunContext, 'stateDir' | 'run'>): RunState {
  return replay(readJournal(journalPath(ctx.stateDir, ctx.run)));
}

function failed(st: HostRecordState | undefined): boolean {
  return st !== undefined && isTerminal(st.state) && countsAsFailed(HOST_STATES[st.state].status(st.rebooted)!);
}

/** The in-phase breaker, from the shared journal's failures (whoever's hosts they were). */
export function sharedBreaker(rollout: Play['rollout'], phase: string[], st: RunState): PhaseBreaker {
  const runFailed = [...st.hosts.values()].filter(failed).length;
  return new PhaseBreaker(rollout, phase.length, phase.filter((h) => failed(st.hosts.get(h))).length, runFailed);
}

export interface ClaimedPhase {
  index: number;
  phase: string[];
  /** The leader's pre-run probes (used only for a host no controller has recorded yet). */
  initial: Map<string, Probed>;
  gated: boolean;
  forks: LimitFunction;
  /** The leader's breaker: told how many hosts never started once the shared one tripped. */
  breaker?: PhaseBreaker;
  /** Workers: stop when the leader moved the phase on (soak, halted, done). */
  stillCurrent?: (st: RunState) => boolean;
}

/** Converge the phase's hosts with the other controllers of the run; returns when every host is settled
 *  (or the breaker tripped and no controller holds a claim in the phase, or the run was aborted). */
export async function convergeClaimed(ctx: RunContext, member: RunMember, a: ClaimedPhase): Promise<void> {
  const running = new Map<string, Promise<void>>();
  const inPhase = new Set(a.phase);
  let warned = false;
  for (;;) {
    const st = sharedState(ctx);
    ctx.ledger.seed(st.hosts);
    const open = a.phase.filter((h) => !isTerminal(st.hosts.get(h)?.state ?? 'planned'));
    if (open.length === 0 && running.size === 0) break;
    if (abortRequested(ctx.stateDir, ctx.run) || (a.stillCurrent && !a.stillCurrent(st))) break;
    const tripped = sharedBreaker(ctx.play.rollout, a.phase, st).tripped();
    if (tripped) {
      if (!warned) ctx.bus.emit({ type: 'warning', message: `phase ${a.index + 1}: ${tripped}; no further host of the phase is started` });
      warned = true;
      if (running.size === 0 && !member.claimedHosts().some((h) => inPhase.has(h))) {
        for (const _ of open) a.breaker?.skip();
        break;
      }
    } else {
      for (const host of open) {
        if (running.has(host) || a.forks.activeCount + a.forks.pendingCount >= Math.max(1, a.forks.concurrency)) continue;
        if (!member.claim(host, a.index)) continue;
        const p = driveClaimed(ctx, member, a, host).finally(() => running.delete(host));
        p.catch(() => undefined); // awaited below; a failure stops this controller there
        running.set(host, p);
      }
    }
    await Promise.race([sleep(POLL_MS), ...running.values()]);
  }
  await Promise.all(running.values());
  ctx.ledger.seed(sharedState(ctx).hosts);
}

async function driveClaimed(ctx: RunContext, member: RunMember, a: ClaimedPhase, host: string): Promise<void> {
  try {
    await a.forks(async () => {
      // Read the host's state only now that the claim is ours: a controller that settled it released
      // its claim after its last record, so that record is visible here.
      const st = sharedState(ctx);
      const prior = st.hosts.get(host);
      if (prior && isTerminal(prior.state)) return;
      const pre = prior ? undefined : a.initial.get(host);
      a.initial.delete(host);
      const breaker = sharedBreaker(ctx.play.rollout, a.phase, st);
      if (breaker.tripped()) return;
      await runHost(ctx, host, prior, pre, breaker);
      if (!a.gated) await ctx.pool.drop(host);
    });
  } catch (e) {
    // LOCK_LOST / STATE_UNAVAILABLE: this controller must stop; the others take the host over.
    ctx.bus.emit({ type: 'warning', message: `${host}: ${(e as Error).message}` });
    throw e;
  } finally {
    if (!member.lease.lost) {
      try {
        member.release(host);
      } catch {
        /* the claim lapses with the lease */
      }
    }
  }
}

/** reboot.max_parallel across every controller of the run: a local limit, then a fleet-wide slot. */
export function fleetRebootLimit(member: RunMember, max: number): LimitFunction {
  const local = pLimit(Math.max(1, max));
  const limit = <A extends unknown[], R>(fn: (...args: A) => PromiseLike<R> | R, ...args: A): Promise<R> =>
    local(async () => {
      let slot: number | null;
      // Waits while other controllers hold every slot (an abort lets hosts in flight finish their
      // step, as with one controller); a lost lease ends the wait with LOCK_LOST.
      while ((slot = member.rebootSlot(Math.max(1, max))) === null) await sleep(POLL_MS);
      try {
        return await fn(...args);
      } finally {
        if (!member.lease.lost) member.releaseRebootSlot(slot);
      }
    });
  return Object.defineProperties(limit, {
    activeCount: { get: () => local.activeCount },
    pendingCount: { get: () => local.pendingCount },
    concurrency: { get: () => local.concurrency },
    clearQueue: { value: () => local.clearQueue() },
  }) as unknown as LimitFunction;
}

/** Ports whose sessions check this controller's lease before every remote command. */
export function fencedPorts(ports: RolloutPorts, member: RunMember): RolloutPorts {
  // Time spent blocked on the lease (etcd had no majority: fail closed) does not count against a
  // host's timeouts: a host that came back while this controller waited is not declared lost.
  let blocked = 0;
  const check = () => {
    const t0 = Date.now();
    member.lease.assertHeld();
    const d = Date.now() - t0;
    if (d > 250) blocked += d;
  };
  const fence = (s: HostSession): HostSession => ({
    get host() {
      return s.host;
    },
    get alive() {
      return s.alive;
    },
    exec(command, opts) {
      check();
      return s.exec(command, opts);
    },
    fire(command, opts) {
      check();
      return s.fire(command, opts);
    },
    close: () => s.close(),
  });
  return {
    ...ports,
    connect: async (host) => {
      check();
      return fence(await ports.connect(host));
    },
    tcpOpen: async (host, ms) => {
      check();
      return ports.tcpOpen(host, ms);
    },
    now: () => ports.now() - blocked,
  };
}
