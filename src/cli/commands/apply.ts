// kfleet apply: converge the hosts of a playbook (or exactly a saved plan), as a phased rollout,
// or finish a run whose controller died (--resume RUN).
import type { Command } from 'commander';
import { EXIT, KfleetError, isKfleetError } from '../../errors.js';
import { planHost } from '../../plan/plan-host.js';
import { describePlan } from '../../plan/diff.js';
import { planIsEmpty, type HostPlan } from '../../plan/types.js';
import type { HostFacts } from '../../facts/types.js';
import { readJournal, journalPath, replay } from '../../rollout/journal.js';
import { SessionPool } from '../../rollout/sessions.js';
import { probe } from '../../rollout/host-run.js';
import { addFleetOptions, intOption, type FleetCliOptions } from '../options.js';
import { defaultStateDir, loadTargets, patternMatcher } from '../targets.js';
import { fleetPorts, transportFromOptions } from '../fleet-ports.js';
import { setupOutput } from '../output.js';
import { confirm } from '../prompt.js';
import { formatRecap } from '../recap.js';
import { runPlay } from '../run-play.js';
import type { Play } from '../../playbook/types.js';
import { loadSavedPlanForApply } from '../saved-plan.js';
import pLimit from 'p-limit';
import { isDeepStrictEqual } from 'node:util';
import { addNotifyOptions, attachNotify } from '../../notify/attach.js';

interface ApplyOptions extends FleetCliOptions {
  check?: boolean;
  diff?: boolean;
  yes?: boolean;
  stateDir?: string;
  takeOverLock?: boolean;
  resume?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('apply')
    .description('converge hosts to a playbook (phased, with reboots where the state needs them), apply a saved plan exactly, or --resume a run')
    .argument('[playbook-or-plan]', 'playbook YAML, or a plan saved with `kfleet plan --out`');
  addFleetOptions(cmd)
    .option('-C, --check', 'show what would change; write nothing')
    .option('-D, --diff', 'show each host\'s changes (knob before -> after, kernel args) before applying')
    .option('-y, --yes', 'do not ask for confirmation on a terminal')
    .option('--state-dir <dir>', 'where runs, journals and the fleet lock live (default .kfleet/ beside the inventory)')
    .option('--take-over-lock', 'take over a stale fleet lock left by a dead run')
    .option('--resume <run>', 'finish a run after its controller died (re-probes uncertain hosts; reboots none twice)')
    .action(async (file: string | undefined, o: ApplyOptions) => {
      process.exitCode = await apply(file, o);
    });
  addNotifyOptions(cmd);
}

async function apply(file: string | undefined, o: ApplyOptions): Promise<number> {
  const stateDir = o.stateDir ?? defaultStateDir(o.inventory);
  const { bus, done } = setupOutput(o);
  try {
    if (o.resume) return await resume(o, stateDir, bus);
    if (!file) throw new KfleetError('USAGE', 'apply needs a playbook, a saved plan, or --resume RUN', { exitCode: EXIT.INPUT });
    const saved = file.endsWith('.json') ? await loadSavedPlanForApply(file) : null;
    const t = await loadTargets(saved ? saved.playbookFile : file, o.inventory, o.limit);
    let exit: number = EXIT.OK;
    for (const target of t.targets) {
      const play = target.play;
      if (target.hosts.length === 0) {
        bus.emit({ type: 'warning', message: `play "${play.name}": the pattern ${JSON.stringify(play.hosts)} matches no host${o.limit ? ` within --limit ${o.limit}` : ''}` });
        continue;
      }
      attachNotify(bus, play, o);
      const forks = intOption(o.forks, '--forks', play.rollout.forks);
      const effPlay = { ...play, rollout: { ...play.rollout, forks } };
      const transport = await transportFromOptions(o, bus, forks);
      const savedPlans = saved?.plans.get(play.name);
      const ports = fleetPorts({ hosts: target.hosts, transport, plan: (facts) => planHost(play, facts) });
      const pool = new SessionPool(ports);
      const hosts = target.hosts.map((h) => h.name);
      // Probe first: show the plan, and let the user say no before anything is written.
      const preprobed = new Map<string, { facts: HostFacts; plan: HostPlan }>();
      const inputErrors: KfleetError[] = [];
      const limit = pLimit(forks);
      const ctxLite = { pool, ports, bus } as Parameters<typeof probe>[0];
      await Promise.all(
        hosts.map((h) =>
          limit(async () => {
            try {
              const p = await probe(ctxLite, h);
              // Closed until the engine works on the host (controller memory stays flat per host).
              await pool.drop(h);
              if (savedPlans) p.plan = checkAgainstSaved(savedPlans.get(h), planHost(play, p.facts));
              preprobed.set(h, p);
            } catch (e) {
              // Input errors (a broken ssh config, a bad key or passphrase) stop the command before
              // anything is written; an unreachable host is retried by the engine and counts as failed.
              if (isKfleetError(e) && e.exitCode === EXIT.INPUT) inputErrors.push(e);
            }
          }),
        ),
      );
      if (inputErrors.length) {
        await pool.closeAll();
        throw inputErrors[0]!;
      }
      if (!(await showAndConfirm(play, preprobed, o))) {
        await pool.closeAll();
        bus.emit({ type: 'info', message: 'nothing was changed' });
        return EXIT.ABORTED;
      }
      // runPlay throws when the fleet lock is held: the probe sessions must be closed anyway, or
      // their sockets keep the process alive.
      const summary = await runPlay({
        play: effPlay,
        hosts,
        ports,
        bus,
        stateDir,
        check: o.check ?? false,
        matches: patternMatcher(t.inventory),
        meta: { command: 'apply', playbook: { file: t.playbook.file, sha256: t.playbookSha256 }, inventory: o.inventory, limit: o.limit ?? null, options: { forks, ...(saved ? { plan: file } : {}) } },
        ...(o.takeOverLock ? { takeOverLock: true } : {}),
        commandTimeoutMs: intOption(o.commandTimeout, '--command-timeout', 120) * 1000,
        preprobed,
        pool,
      }).finally(() => pool.closeAll());
      done();
      if (!o.json) process.stdout.write(formatRecap(summary, play.name, o.verbose ?? false));
      exit = Math.max(exit, summary.exitCode);
      if (summary.verdict === 'halted' || summary.verdict === 'aborted') break;
    }
    return exit;
  } finally {
    done();
  }
}

async function resume(o: ApplyOptions, stateDir: string, bus: ReturnType<typeof setupOutput>['bus']): Promise<number> {
  const run = o.resume!;
  let state;
  try {
    state = replay(readJournal(journalPath(stateDir, run)));
  } catch (e) {
    throw new KfleetError('RUN_UNKNOWN', `cannot read run ${run} in ${stateDir}: ${(e as Error).message}`, { exitCode: EXIT.INPUT, hint: '`kfleet runs` lists the runs; pass --state-dir if the run lives elsewhere' });
  }
  if (state.end) {
    bus.emit({ type: 'info', message: `run ${run} already ended: ${state.end.verdict}` });
    return state.end.exit_code;
  }
  const t = await loadTargets(state.meta.playbook.file, state.meta.inventory, state.meta.limit ?? undefined);
  if (t.playbookSha256 !== state.meta.playbook.sha256) {
    throw new KfleetError('PLAYBOOK_CHANGED', `${state.meta.playbook.file} changed since run ${run} started; refusing to resume with a different desired state`, { exitCode: EXIT.INPUT, hint: 'restore the playbook as it was, or start a new run with `kfleet apply`' });
  }
  const target = t.targets.find((x) => x.play.name === state.meta.play);
  if (!target) throw new KfleetError('PLAY_GONE', `play "${state.meta.play}" is not in ${state.meta.playbook.file}`, { exitCode: EXIT.INPUT });
  const forks = Number(state.meta.options.forks ?? target.play.rollout.forks);
  const play = { ...target.play, rollout: { ...target.play.rollout, forks } };
  attachNotify(bus, play, o);
  const byName = new Map(t.inventory.hosts.map((h) => [h.name, h]));
  const hosts = state.meta.hosts.filter((h) => byName.has(h));
  const transport = await transportFromOptions(o, bus, forks);
  const ports = fleetPorts({ hosts: hosts.map((h) => byName.get(h)!), transport, plan: (f) => planHost(play, f) });
  const summary = await runPlay({
    play,
    hosts,
    ports,
    bus,
    stateDir,
    check: false,
    matches: patternMatcher(t.inventory),
    meta: { command: 'apply', playbook: state.meta.playbook, inventory: state.meta.inventory, limit: state.meta.limit, options: state.meta.options },
    commandTimeoutMs: intOption(o.commandTimeout, '--command-timeout', 120) * 1000,
    resume: state,
    ...(o.takeOverLock ? { takeOverLock: true } : {}),
  });
  if (!o.json) process.stdout.write(formatRecap(summary, play.name, o.verbose ?? false));
  return summary.exitCode;
}

/**
 * A saved plan is applied only when it is exactly what the planner makes of the host's current
 * facts (the planner is deterministic and the playbook is unchanged): a host whose facts moved is
 * refused as stale, and a plan that was edited by hand is refused as tampered.
 */
export function checkAgainstSaved(saved: HostPlan | undefined, fresh: HostPlan): HostPlan {
  if (!saved) return { ...fresh, refused: [{ code: 'NOT_IN_PLAN', message: 'this host is not in the saved plan', hint: 'run `kfleet plan --out` again to include it' }] };
  if (saved.fingerprint !== fresh.fingerprint) {
    return { ...saved, refused: [{ code: 'PLAN_STALE', message: 'the host changed since the plan was saved (its facts fingerprint moved); refusing to apply a stale plan', hint: 'run `kfleet plan --out` again and review it' }] };
  }
  const plain = (x: unknown) => JSON.parse(JSON.stringify(x)) as unknown;
  if (!isDeepStrictEqual(plain(saved), plain(fresh))) {
    return { ...saved, refused: [{ code: 'PLAN_MISMATCH', message: 'the saved plan for this host is not what kfleet plans for its current facts (edited by hand, or made by another kfleet version); refusing it', hint: 'make the plan again with `kfleet plan --out`' }] };
  }
  return saved;
}

/** Print the diff when asked (or before a terminal confirmation) and ask; true to go on. A function
 *  of its own so that nothing here keeps the probed facts alive while the rollout runs. */
async function showAndConfirm(play: Play, preprobed: Map<string, { facts: HostFacts; plan: HostPlan }>, o: ApplyOptions): Promise<boolean> {
  const changing = [...preprobed.values()].filter((p) => !planIsEmpty(p.plan));
  if (o.diff || (!o.yes && !o.check && process.stdin.isTTY && !o.json)) {
    for (const p of changing) process.stdout.write(describePlan(p.plan).map((l) => `${l}\n`).join('') + '\n');
  }
  if (!o.check && !o.yes && process.stdin.isTTY && !o.json && changing.length > 0) {
    const reboots = changing.filter((p) => p.plan.reboot.required).length;
    return confirm(`Apply "${play.name}" to ${changing.length} host(s)${reboots ? `, ${play.reboot.allowed ? 'rebooting' : 'leaving pending a reboot on'} ${reboots}` : ''}? [y/N] `);
  }
  return true;
}
