// What a command needs to drive an existing run from here (`apply --resume RUN`, `kfleet worker
// RUN`): the run's journal, its play from the playbook named here (byte for byte the one the run
// started with), its hosts found in the inventory named here (or the run's), wired ports, and the
// saved plan's admission when the run applies one.
import { EXIT, KfleetError } from '../../errors.js';
import { planHost } from '../../plan/plan-host.js';
import type { Play } from '../../playbook/types.js';
import type { HostPlan } from '../../plan/types.js';
import type { EventBus } from '../../events.js';
import { loadRun, savedPlanAdmission, type RolloutPorts, type RunState } from '../../rollout/index.js';
import { attachNotify } from '../../notify/attach.js';
import type { FleetCliOptions } from '../options.js';
import { loadTargets, patternMatcher } from '../targets.js';
import { fleetPorts, transportFromOptions } from '../fleet-ports.js';
import { loadSavedPlanForApply } from '../saved-plan.js';

export interface RunTargets {
  state: RunState;
  play: Play;
  hosts: string[];
  ports: RolloutPorts;
  matches: (pattern: string, host: string) => boolean;
  admit?: (host: string, fresh: HostPlan) => HostPlan;
}

/** The run's targets, or null (after saying so) when the run already ended. */
export async function runTargets(o: FleetCliOptions, stateDir: string, run: string, bus: EventBus, file?: string): Promise<RunTargets | null> {
  const state = loadRun(stateDir, run);
  if (state.end) {
    bus.emit({ type: 'info', message: `run ${run} already ended: ${state.end.verdict}` });
    return null;
  }
  // From another machine or directory (a shared state store), the playbook and inventory are found
  // where this command names them; the playbook must be byte for byte the one the run started with.
  const playbookFile = file ?? state.meta.playbook.file;
  const t = await loadTargets(playbookFile, o.inventory?.length ? o.inventory : state.meta.inventory, state.meta.limit ?? undefined);
  if (t.playbookSha256 !== state.meta.playbook.sha256) {
    throw new KfleetError('PLAYBOOK_CHANGED', `${playbookFile} changed since run ${run} started; refusing to drive it with a different desired state`, { exitCode: EXIT.INPUT, hint: 'restore the playbook as it was, or start a new run with `kfleet apply`' });
  }
  const target = t.targets.find((x) => x.play.name === state.meta.play);
  if (!target) throw new KfleetError('PLAY_GONE', `play "${state.meta.play}" is not in ${state.meta.playbook.file}`, { exitCode: EXIT.INPUT, hint: 'the playbook changed since the run started: put the play back to resume, or start a new run' });
  // A run of a saved plan goes on against that plan: every host not yet written is checked again.
  const planFile = typeof state.meta.options.plan === 'string' ? state.meta.options.plan : undefined;
  const savedPlans = planFile ? (await loadSavedPlanForApply(planFile)).plans.get(state.meta.play) : undefined;
  if (planFile && !savedPlans) throw new KfleetError('PLAN_STALE', `the plan ${planFile} of run ${run} has no play "${state.meta.play}"`, { exitCode: EXIT.INPUT, hint: 'make a new plan with `kfleet plan --out` and start a new run' });
  const forks = Number(state.meta.options.forks ?? target.play.rollout.forks);
  const play = { ...target.play, rollout: { ...target.play.rollout, forks } };
  attachNotify(bus, play, o);
  const byName = new Map(t.inventory.hosts.map((h) => [h.name, h]));
  const hosts = state.meta.hosts.filter((h) => byName.has(h));
  const transport = await transportFromOptions(o, bus, forks);
  const ports = fleetPorts({ hosts: hosts.map((h) => byName.get(h)!), transport, plan: (f) => planHost(play, f) });
  return { state, play, hosts, ports, matches: patternMatcher(t.inventory), ...(savedPlans ? { admit: savedPlanAdmission(savedPlans) } : {}) };
}
