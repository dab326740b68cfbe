// kfleet rollback RUN: every host the run touched goes back to the state the journal recorded
// before the run (live values, kernel args of every entry, kfleet's boot unit), with reboots
// where the host booted with args the run gave it. The rollback is a run of its own (journal, lock).
import type { Command } from 'commander';
import { EXIT, KfleetError } from '../../errors.js';
import { loadInventory } from '../../inventory/load.js';
import { loadPlaybook } from '../../playbook/load.js';
import { loadRun, rollbackRun, touchedHosts } from '../../rollout/index.js';
import { addFleetOptions, intOption, type FleetCliOptions } from '../options.js';
import { defaultStateDir } from '../targets.js';
import { fleetPorts, transportFromOptions } from '../fleet-ports.js';
import { setupOutput } from '../output.js';
import { formatRecap } from '../recap.js';

interface RollbackOptions extends FleetCliOptions {
  stateDir?: string;
  reboot?: boolean;
  takeOverLock?: boolean;
}

export function register(program: Command): void {
  const cmd = program.command('rollback').description('put every host a run touched back to the state recorded before it').argument('<run>');
  addFleetOptions(cmd, { inventoryRequired: false })
    .option('--state-dir <dir>', 'state directory (default .kfleet/ beside the inventory)')
    .option('--no-reboot', 'restore the args but leave the reboot to you')
    .option('--take-over-lock', 'take over a stale fleet lock')
    .action(async (run: string, o: RollbackOptions) => {
      process.exitCode = await rollback(run, o);
    });
}

async function rollback(run: string, o: RollbackOptions): Promise<number> {
  const stateDir = o.stateDir ?? defaultStateDir(o.inventory ?? []);
  const st = loadRun(stateDir, run);
  const touched = touchedHosts(st);
  const inventories = o.inventory?.length ? o.inventory : st.meta.inventory;
  const inv = await loadInventory(inventories);
  const playbook = await loadPlaybook(st.meta.playbook.file);
  const play = playbook.plays.find((p) => p.name === st.meta.play) ?? playbook.plays[0]!;
  const byName = new Map(inv.hosts.map((h) => [h.name, h]));
  const missing = touched.filter((t) => !byName.has(t.name));
  if (missing.length) throw new KfleetError('ROLLBACK_HOSTS_MISSING', `hosts of run ${run} are not in the inventory: ${missing.map((m) => m.name).join(', ')}`, { exitCode: EXIT.INPUT });
  const { bus, done } = setupOutput(o);
  const forks = intOption(o.forks, '--forks', play.rollout.forks);
  const transport = await transportFromOptions(o, bus, forks);
  const ports = fleetPorts({ hosts: touched.map((t) => byName.get(t.name)!), transport, plan: () => { throw new Error('rollback plans per host'); } });
  const summary = await rollbackRun({ of: st, touched, play, ports, bus, stateDir, inventory: inventories, forks, allowReboot: o.reboot !== false, takeOverLock: o.takeOverLock ?? false, commandTimeoutMs: intOption(o.commandTimeout, '--command-timeout', 120) * 1000 });
  done();
  if (!o.json) process.stdout.write(formatRecap(summary, `rollback of ${run}`, o.verbose ?? false));
  return summary.exitCode;
}
