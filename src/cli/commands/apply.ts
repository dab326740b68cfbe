// kfleet apply: converge the hosts of a playbook (or exactly a saved plan), as a phased rollout,
// or finish a run whose controller died (--resume RUN). Reads input, calls the rollout front door
// (src/rollout/index.ts), renders the recap.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, KfleetError } from '../../errors.js';
import { planHost } from '../../plan/plan-host.js';
import { describePlan } from '../../plan/diff.js';
import { planIsEmpty } from '../../plan/types.js';
import { checkAgainstSaved, loadRun, probeFleet, runPlay, savedPlanAdmission, type Probed } from '../../rollout/index.js';
import { addFleetOptions, intOption, type FleetCliOptions } from '../options.js';
import { defaultStateDir, loadTargets, patternMatcher } from '../targets.js';
import { fleetPorts, transportFromOptions } from '../fleet-ports.js';
import { setupOutput } from '../output.js';
import { confirm } from '../prompt.js';
import { formatRecap } from '../recap.js';
import type { Play } from '../../playbook/types.js';
import { loadSavedPlanForApply } from '../saved-plan.js';
import { addNotifyOptions, attachNotify } from '../../notify/attach.js';
import { runTargets } from './worker-targets.js';

export interface ApplyOptions extends FleetCliOptions {
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

export async function apply(file: string | undefined, o: ApplyOptions): Promise<number> {
  const stateDir = o.stateDir ?? defaultStateDir(o.inventory);
  const { bus, done } = setupOutput(o);
  try {
    if (o.resume) return await resume(o, stateDir, bus, file);
    if (!file) throw new KfleetError('USAGE', 'apply needs a playbook, a saved plan, or --resume RUN', { exitCode: EXIT.INPUT, hint: 'kfleet apply -i INVENTORY PLAYBOOK.yml, kfleet apply PLAN.json, or kfleet apply --resume RUN (see kfleet runs)' });
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
      const admit = savedPlans ? savedPlanAdmission(savedPlans) : undefined;
      const ports = fleetPorts({ hosts: target.hosts, transport, plan: (facts) => planHost(play, facts) });
      const hosts = target.hosts.map((h) => h.name);
      // Probe first: show the plan, and let the user say no before anything is written.
      const { probed, inputErrors } = await probeFleet({ ports, hosts, forks, bus, ...(admit ? { admit } : {}) });
      if (inputErrors.length) throw inputErrors[0]!;
      if (!(await showAndConfirm(play, probed, o))) {
        bus.emit({ type: 'info', message: 'nothing was changed' });
        return EXIT.ABORTED;
      }
      const summary = await runPlay({
        play: effPlay,
        hosts,
        ports,
        bus,
        stateDir,
        check: o.check ?? false,
        matches: patternMatcher(t.inventory),
        meta: { command: 'apply', playbook: { file: t.playbook.file, sha256: t.playbookSha256 }, inventory: o.inventory, limit: o.limit ?? null, options: { forks, ...(saved ? { plan: resolve(file) } : {}) } },
        ...(o.takeOverLock ? { takeOverLock: true } : {}),
        commandTimeoutMs: intOption(o.commandTimeout, '--command-timeout', 120) * 1000,
        preprobed: probed,
        ...(admit ? { admit } : {}),
      });
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

async function resume(o: ApplyOptions, stateDir: string, bus: ReturnType<typeof setupOutput>['bus'], file?: string): Promise<number> {
  const run = o.resume!;
  const t = await runTargets(o, stateDir, run, bus, file);
  if (!t) return loadRun(stateDir, run).end!.exit_code;
  const { state, play, hosts } = t;
  const summary = await runPlay({
    play,
    hosts,
    ports: t.ports,
    bus,
    stateDir,
    check: false,
    matches: t.matches,
    meta: { command: 'apply', playbook: state.meta.playbook, inventory: state.meta.inventory, limit: state.meta.limit, options: state.meta.options },
    commandTimeoutMs: intOption(o.commandTimeout, '--command-timeout', 120) * 1000,
    resume: state,
    ...(t.admit ? { admit: t.admit } : {}),
    ...(o.takeOverLock ? { takeOverLock: true } : {}),
  });
  if (!o.json) process.stdout.write(formatRecap(summary, play.name, o.verbose ?? false));
  return summary.exitCode;
}

/** Kept here for the callers that import it from the command (the check lives in src/rollout/saved-plan.ts). */
export { checkAgainstSaved };

/** Print the diff when asked (or before a terminal confirmation) and ask; true to go on. A function
 *  of its own so that nothing here keeps the probed facts alive while the rollout runs. */
async function showAndConfirm(play: Play, preprobed: Map<string, Probed>, o: ApplyOptions): Promise<boolean> {
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
