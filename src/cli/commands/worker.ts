// kfleet worker RUN: one more controller on a running rollout, on an etcd state store. Takes the
// same playbook and inventory as the run's `apply` (found here, checked against the run), joins
// the run with its own lease and drives hosts of the converging phase until the run ends.
import type { Command } from 'commander';
import { EXIT, KfleetError } from '../../errors.js';
import { defaultLockTtlMs } from '../../rollout/lock.js';
import { runWorker } from '../../rollout/worker-run.js';
import { isEtcdState } from '../../state/location.js';
import { addFleetOptions, intOption, type FleetCliOptions } from '../options.js';
import { setupOutput } from '../output.js';
import { defaultStateDir } from '../targets.js';
import { runTargets } from './worker-targets.js';

interface WorkerOptions extends FleetCliOptions {
  stateDir?: string;
}

export function register(program: Command): void {
  const cmd = program
    .command('worker')
    .description('join a running rollout on an etcd state store as one more controller: claim hosts of its current phase and drive them until the run ends')
    .argument('<run>', 'the run to join (`kfleet runs` lists them)')
    .argument('[playbook]', "the run's playbook (default: the path the run recorded); must be unchanged");
  addFleetOptions(cmd, { inventoryRequired: false })
    .option('--state-dir <dir>', 'same as the global --state (must be an etcd:// URL here)')
    .action(async (run: string, file: string | undefined, o: WorkerOptions) => {
      process.exitCode = await worker(run, file, o);
    });
}

export async function worker(run: string, file: string | undefined, o: WorkerOptions): Promise<number> {
  const stateDir = o.stateDir ?? defaultStateDir(o.inventory ?? []);
  const { bus, done } = setupOutput(o);
  try {
    if (!isEtcdState(stateDir)) {
      throw new KfleetError('STATE_NOT_SHARED', `kfleet worker needs a shared state store; ${stateDir} is a directory`, { exitCode: EXIT.INPUT, hint: 'pass --state etcd://host:2379/prefix (or KFLEET_STATE), the same store the run\'s `kfleet apply` uses' });
    }
    const t = await runTargets(o, stateDir, run, bus, file);
    if (!t) return EXIT.OK;
    const s = await runWorker({ run, stateDir, play: t.play, ports: t.ports, bus, commandTimeoutMs: intOption(o.commandTimeout, '--command-timeout', 120) * 1000, ttlMs: defaultLockTtlMs(stateDir), ...(t.admit ? { admit: t.admit } : {}) });
    bus.emit({ type: 'info', message: `run ${run} ended: ${s.verdict} (exit ${s.exitCode}); this worker settled ${s.settled} host(s)` });
    return EXIT.OK;
  } finally {
    done();
  }
}
