// kfleet rollback RUN: every host the run touched goes back to the state the journal recorded
// before the run (live values, kernel args of every entry, kfleet's boot unit), with reboots
// where the host booted with args the run gave it. The rollback is a run of its own (journal, lock).
import type { Command } from 'commander';
import pLimit from 'p-limit';
import { EXIT, KfleetError } from '../../errors.js';
import { loadInventory } from '../../inventory/load.js';
import { loadPlaybook } from '../../playbook/load.js';
import { createJournal, journalPath, newRunId, readJournal, replay } from '../../rollout/journal.js';
import { FleetLock } from '../../rollout/lock.js';
import { SessionPool } from '../../rollout/sessions.js';
import { rollbackHost } from '../../rollout/rollback.js';
import type { HostRunResult } from '../../rollout/host-run.js';
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

const UNTOUCHED = new Set(['unchanged', 'refused', 'planned']);

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
  let st;
  try {
    st = replay(readJournal(journalPath(stateDir, run)));
  } catch (e) {
    throw new KfleetError('RUN_UNKNOWN', `cannot read run ${run} in ${stateDir}: ${(e as Error).message}`, { exitCode: EXIT.INPUT, hint: '`kfleet runs` lists the runs' });
  }
  const touched = [...st.hosts].filter(([, h]) => h.facts_before && !UNTOUCHED.has(h.state)).map(([name, h]) => ({ name, before: h.facts_before! }));
  const inventories = o.inventory?.length ? o.inventory : st.meta.inventory;
  const inv = await loadInventory(inventories);
  const playbook = await loadPlaybook(st.meta.playbook.file);
  const play = playbook.plays.find((p) => p.name === st.meta.play) ?? playbook.plays[0]!;
  const byName = new Map(inv.hosts.map((h) => [h.name, h]));
  const missing = touched.filter((t) => !byName.has(t.name));
  if (missing.length) throw new KfleetError('ROLLBACK_HOSTS_MISSING', `hosts of run ${run} are not in the inventory: ${missing.map((m) => m.name).join(', ')}`, { exitCode: EXIT.INPUT, hint: 'pass the inventory the run used (-i), or put those hosts back into it' });
  const { bus, done } = setupOutput(o);
  const forks = intOption(o.forks, '--forks', play.rollout.forks);
  const transport = await transportFromOptions(o, bus, forks);
  const ports = fleetPorts({ hosts: touched.map((t) => byName.get(t.name)!), transport, plan: () => { throw new Error('rollback plans per host'); } });
  const id = newRunId();
  const lock = FleetLock.acquire(stateDir, id, { takeOver: o.takeOverLock ?? false });
  const journal = createJournal(stateDir, { run: id, command: `rollback ${run}`, playbook: st.meta.playbook, inventory: inventories, limit: null, play: play.name, hosts: touched.map((t) => t.name), check: false, options: { rollback_of: run } });
  const pool = new SessionPool(ports);
  const rebootLimit = pLimit(Math.max(1, play.reboot.max_parallel));
  const limit = pLimit(forks);
  const ctx = { run: id, stateDir, play, ports, pool, journal, bus, check: false, rebootLimit, commandTimeoutMs: intOption(o.commandTimeout, '--command-timeout', 120) * 1000 };
  bus.emit({ type: 'run.start', run: id, command: 'rollback', hosts: touched.length, check: false });
  let results: HostRunResult[] = [];
  try {
    results = await Promise.all(
      touched.map((t) =>
        limit(() =>
          rebootLimit(async () => {
            const r = await rollbackHost(ctx, t.name, t.before, o.reboot !== false);
            await pool.drop(t.name); // done with this host: at most `forks` sessions at a time
            return r;
          }),
        ),
      ),
    );
  } finally {
    await pool.closeAll();
    lock.release();
  }
  const failed = results.filter((r) => r.status === 'failed' || r.status === 'unreachable').length;
  const pending = results.filter((r) => r.pending_reboot).length;
  const verdict = failed ? 'halted' : pending ? 'pending_reboot' : 'converged';
  const exitCode = failed ? EXIT.FAILED : pending ? EXIT.PENDING_REBOOT : EXIT.OK;
  journal.append({ t: 'end', verdict, exit_code: exitCode });
  journal.close();
  done();
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.status] = (counts[r.status] ?? 0) + 1;
  if (!o.json) process.stdout.write(formatRecap({ run: id, verdict, exitCode, phases: [touched.map((t) => t.name)], results, counts }, `rollback of ${run}`, o.verbose ?? false));
  return exitCode;
}
