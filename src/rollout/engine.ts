// The rollout loop: probe every host, put the ones that need a change into phases, and for each
// phase converge its hosts (forks at a time, reboots max_parallel at a time), check the failure
// budgets, soak with health gates, wait for promotion when asked, and journal every step so that
// `--resume` can finish the run after the controller died without rebooting any host twice.
import pLimit from 'p-limit';
import type { HostFacts } from '../facts/types.js';
import type { HostPlan } from '../plan/types.js';
import { planIsEmpty } from '../plan/types.js';
import { EXIT } from '../errors.js';
import type { RunContext } from './context.js';
import { journalPath, readJournal, replay, TERMINAL, type RunState } from './journal.js';
import { computePhases } from './phases.js';
import { checkBudgets } from './budget.js';
import { abortRequested, consumePromote } from './control.js';
import { probe, runHost, type HostRunResult } from './host-run.js';
import { baseline, soak, type Watched } from './soak.js';
import { readQuarantine } from './quarantine.js';
import { GUARDED_SOAK_CODES, soakPanicGuard } from './soak-guard.js';

export type Verdict = 'converged' | 'pending_reboot' | 'halted' | 'aborted' | 'refused' | 'checked';

export interface RunSummary {
  run: string;
  verdict: Verdict;
  exitCode: number;
  reason?: string;
  phases: string[][];
  results: HostRunResult[];
  counts: Record<string, number>;
}

export interface RolloutInput {
  ctx: Omit<RunContext, 'rebootLimit'>;
  /** The play's hosts, in inventory order. */
  hosts: string[];
  /** Host pattern test for pattern phases. */
  matches: (pattern: string, host: string) => boolean;
  resume?: RunState;
  /** Probe results the caller already has (e.g. from showing the plan before confirming). */
  preprobed?: Map<string, { facts: HostFacts; plan: HostPlan }>;
}

const FAILED = new Set(['failed', 'unreachable', 'reverted']);

function factsBeforeFromJournal(ctx: RunContext, host: string): HostFacts | undefined {
  try {
    return replay(readJournal(journalPath(ctx.stateDir, ctx.run))).hosts.get(host)?.facts_before;
  } catch {
    return undefined;
  }
}

export async function runRollout(input: RolloutInput): Promise<RunSummary> {
  const ctx: RunContext = { ...input.ctx, rebootLimit: pLimit(Math.max(1, input.ctx.play.reboot.max_parallel)) };
  const { play, journal, bus } = ctx;
  const forks = pLimit(Math.max(1, play.rollout.forks));
  const results = new Map<string, HostRunResult>();
  const initial = new Map<string, { facts: HostFacts; plan: HostPlan }>();
  let phases: string[][];

  if (input.resume?.phasesKnown) {
    phases = input.resume.phases;
    for (const [host, st] of input.resume.hosts) {
      if (!TERMINAL.has(st.state)) continue;
      const status = st.state === 'verified' ? (st.rebooted ? 'rebooted' : 'changed') : st.state === 'unchanged' ? 'ok' : st.state;
      results.set(host, { host, status: status as HostRunResult['status'], pending_reboot: st.state === 'pending_reboot', rebooted: st.rebooted, touched: st.state !== 'unchanged' && st.state !== 'refused', ...(st.error ? { error: st.error } : {}) });
    }
    bus.emit({ type: 'info', message: `resuming run ${ctx.run}: ${results.size} of ${input.resume.meta.hosts.length} hosts already finished` });
  } else {
    // Probe everything first: a host that cannot be changed is known before anything is written.
    const rolloutSet: string[] = [];
    const quarantined = readQuarantine(ctx.stateDir);
    await Promise.all(
      input.hosts.map((host) =>
        forks(async () => {
          const q = quarantined[host];
          if (q && !ctx.check) {
            const error = { code: 'QUARANTINED', message: `quarantined by run ${q.run} since ${q.since}: ${q.reason}`, hint: `read its KFENCE report (journalctl -k -b -1 on the host), then \`kfleet quarantine --release ${host}\` to roll it again` };
            journal.append({ t: 'host', host, state: 'refused', error });
            results.set(host, { host, status: 'refused', pending_reboot: false, rebooted: false, touched: false, error });
            bus.emit({ type: 'host.result', host, status: 'refused', pending_reboot: false, error });
            return;
          }
          try {
            const p = input.preprobed?.get(host) ?? (await probe(ctx, host));
            input.preprobed?.delete(host);
            // One connection per host at a time: it is opened again when the host's phase comes.
            await ctx.pool.drop(host);
            if (p.plan.refused.length) {
              const r = p.plan.refused[0]!;
              journal.append({ t: 'host', host, state: 'refused', error: { code: r.code, message: r.message } });
              const error = { code: r.code, message: r.message, ...(r.hint ? { hint: r.hint } : {}) };
              results.set(host, { host, status: 'refused', pending_reboot: false, rebooted: false, touched: false, error });
              bus.emit({ type: 'host.result', host, status: 'refused', pending_reboot: false, error });
            } else if (planIsEmpty(p.plan)) {
              journal.append({ t: 'host', host, state: 'unchanged', boot_id: p.facts.boot_id });
              results.set(host, { host, status: 'ok', pending_reboot: false, rebooted: false, touched: false });
              bus.emit({ type: 'host.result', host, status: 'ok', pending_reboot: false });
            } else {
              initial.set(host, p);
            }
          } catch {
            // Unreachable at probe time: it goes into a phase and counts as failed there.
          }
        }),
      ),
    );
    for (const h of input.hosts) if (!results.has(h)) rolloutSet.push(h);
    phases = computePhases(rolloutSet, play.rollout.phases, input.matches);
    journal.append({ t: 'phases', phases });
    // The first phase starts now and uses these probes; later phases probe their hosts again when
    // they start (a plan made before a long soak must not be applied to a host that moved since).
    const first = new Set(phases[0] ?? []);
    for (const h of [...initial.keys()]) if (!first.has(h)) initial.delete(h);
  }

  let runFailed = [...results.values()].filter((r) => FAILED.has(r.status)).length;
  let halt: { verdict: Verdict; reason: string } | null = null;

  for (let i = 0; i < phases.length && !halt; i++) {
    const phase = phases[i]!;
    if (input.resume?.phaseStates.get(i) === 'done') continue;
    if (abortRequested(ctx.stateDir, ctx.run)) {
      halt = { verdict: 'aborted', reason: 'aborted by `kfleet abort`' };
      break;
    }
    journal.append({ t: 'phase', index: i, state: 'start' });
    bus.emit({ type: 'phase.start', run: ctx.run, phase: i + 1, of: phases.length, hosts: phase });
    const todo = phase.filter((h) => !results.has(h));
    const gated = !ctx.check && (play.rollout.soak_ms > 0 || play.rollout.health.command !== undefined);
    const phaseResults = await Promise.all(
      todo.map((host) =>
        forks(async () => {
          if (abortRequested(ctx.stateDir, ctx.run)) return null;
          const pre = initial.get(host);
          initial.delete(host);
          const r = await runHost(ctx, host, input.resume?.hosts.get(host), pre);
          results.set(host, r);
          // Without a soak or a health command nothing more is done on this host in this run.
          if (!gated) await ctx.pool.drop(host);
          return r;
        }),
      ),
    );
    const inPhase = phase.map((h) => results.get(h)).filter((r): r is HostRunResult => r !== undefined);
    let phaseFailed = inPhase.filter((r) => FAILED.has(r.status)).length;
    runFailed += phaseResults.filter((r) => r && FAILED.has(r.status)).length;
    journal.append({ t: 'phase', index: i, state: 'applied' });

    let verdict = checkBudgets({ phaseFailed, phaseSize: phase.length, maxFailPercentage: play.rollout.max_fail_percentage, runFailed, maxFailedHosts: play.rollout.max_failed_hosts });
    if (!verdict.halt && gated) {
      const watch = inPhase.filter((r) => r.touched && !FAILED.has(r.status));
      const watched = (await Promise.all(watch.map((r) => forks(() => baseline(ctx, r.host))))).filter((w): w is Watched => w !== null);
      journal.append({ t: 'phase', index: i, state: 'soak' });
      bus.emit({ type: 'phase.soak', run: ctx.run, phase: i + 1, ms: play.rollout.soak_ms });
      const baseIds = new Map(watched.map((w) => [w.host, w.bootId]));
      const verdicts = await soak(ctx, watched, play.rollout.soak_ms, play.rollout.forks, () => abortRequested(ctx.stateDir, ctx.run));
      // fault=panic: a host that rebooted or vanished during the soak may be looping on a KFENCE panic.
      const guarded = new Map<string, HostRunResult>();
      if (play.kfence.fault === 'panic') {
        await Promise.all(
          verdicts
            .filter((v) => !v.ok && GUARDED_SOAK_CODES.has(v.error?.code ?? ''))
            .map((v) =>
              forks(async () => {
                // The facts before the run are in the journal ('planned'); not kept in memory per host.
                const before = factsBeforeFromJournal(ctx, v.host);
                const w = watched.find((x) => x.host === v.host);
                if (!before || !w) return;
                const g = await soakPanicGuard(ctx, v.host, before, baseIds.get(v.host) ?? w.bootId, w.bootId);
                if (g) guarded.set(v.host, g);
              }),
            ),
        );
      }
      for (const v of verdicts) {
        for (const f of v.findings) journal.append({ t: 'finding', host: v.host, phase: i + 1, summary: f });
        if (v.ok) continue;
        const g = guarded.get(v.host);
        if (g) {
          // Reverted (or the revert failed): journaled and reported by the guard.
          results.set(v.host, g);
          phaseFailed++;
          runFailed++;
          continue;
        }
        const prev = results.get(v.host)!;
        const status = v.error?.code === 'UNREACHABLE' ? 'unreachable' : 'failed';
        results.set(v.host, { ...prev, status, ...(v.error ? { error: v.error } : {}) });
        journal.append({ t: 'host', host: v.host, state: status, ...(v.error ? { error: v.error } : {}) });
        bus.emit({ type: 'host.result', host: v.host, status, pending_reboot: prev.pending_reboot, ...(v.error ? { error: v.error } : {}) });
        phaseFailed++;
        runFailed++;
      }
      verdict = checkBudgets({ phaseFailed, phaseSize: phase.length, maxFailPercentage: play.rollout.max_fail_percentage, runFailed, maxFailedHosts: play.rollout.max_failed_hosts });
    }
    await Promise.all(phase.map((h) => ctx.pool.drop(h)));
    bus.emit({ type: 'phase.end', run: ctx.run, phase: i + 1, failed: phaseFailed, touched: inPhase.filter((r) => r.touched).length, verdict: verdict.halt ? 'halted' : 'passed' });
    if (verdict.halt) {
      halt = { verdict: 'halted', reason: verdict.reason ?? 'a failure budget was exceeded' };
      journal.append({ t: 'phase', index: i, state: 'halted', reason: halt.reason });
      break;
    }
    if (abortRequested(ctx.stateDir, ctx.run)) {
      halt = { verdict: 'aborted', reason: 'aborted by `kfleet abort`' };
      break;
    }
    if (play.rollout.promote === 'manual' && i < phases.length - 1 && !ctx.check) {
      journal.append({ t: 'phase', index: i, state: 'wait_promote' });
      bus.emit({ type: 'phase.wait_promote', run: ctx.run, phase: i + 1 });
      while (!consumePromote(ctx.stateDir, ctx.run, i + 1)) {
        if (abortRequested(ctx.stateDir, ctx.run)) {
          halt = { verdict: 'aborted', reason: 'aborted by `kfleet abort` while waiting for promotion' };
          break;
        }
        await ctx.ports.sleep(500);
      }
      if (halt) break;
      journal.append({ t: 'phase', index: i, state: 'promoted' });
    }
    journal.append({ t: 'phase', index: i, state: 'done' });
  }

  const all = input.hosts.map((h) => results.get(h)).filter((r): r is HostRunResult => r !== undefined);
  const counts: Record<string, number> = {};
  for (const r of all) counts[r.status] = (counts[r.status] ?? 0) + 1;
  counts.untouched = input.hosts.length - all.length;
  const summary = (verdict: Verdict, exitCode: number, reason?: string): RunSummary => {
    journal.append({ t: 'end', verdict, exit_code: exitCode, ...(reason ? { reason } : {}) });
    return { run: ctx.run, verdict, exitCode, phases, results: all, counts, ...(reason ? { reason } : {}) };
  };
  if (halt) return summary(halt.verdict, halt.verdict === 'aborted' ? EXIT.ABORTED : EXIT.FAILED, halt.reason);
  if (all.some((r) => FAILED.has(r.status))) return summary('halted', EXIT.FAILED, `${all.filter((r) => FAILED.has(r.status)).length} host(s) failed`);
  if (ctx.check) return summary('checked', all.some((r) => r.status === 'refused') ? EXIT.REFUSED : EXIT.OK);
  if (all.some((r) => r.pending_reboot)) return summary('pending_reboot', EXIT.PENDING_REBOOT, `${all.filter((r) => r.pending_reboot).length} host(s) need a reboot that kfleet was not allowed to do (reboot.allowed: false)`);
  if (all.some((r) => r.status === 'refused')) return summary('refused', EXIT.REFUSED, `${all.filter((r) => r.status === 'refused').length} host(s) were refused`);
  return summary('converged', EXIT.OK);
}
