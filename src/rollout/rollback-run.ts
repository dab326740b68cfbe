// `kfleet rollback RUN` as a run of its own: lock, journal, ledger, the fleet fan-out over the
// hosts the run touched (rollback.ts restores one host), at most reboot.max_parallel at once.
import pLimit from 'p-limit';
import { EXIT } from '../errors.js';
import type { EventBus } from '../events.js';
import type { HostFacts } from '../facts/types.js';
import type { Play } from '../playbook/types.js';
import { fanOut } from './fleet.js';
import { createJournal, newRunId, type RunState } from './journal.js';
import { Ledger, type HostRunResult } from './ledger.js';
import { FleetLock } from './lock.js';
import type { RolloutPorts } from './ports.js';
import { rollbackHost } from './rollback.js';
import { countStatuses, type RunSummary } from './run-summary.js';
import { SessionPool } from './sessions.js';

const UNTOUCHED = new Set(['unchanged', 'refused', 'planned']);

/** The hosts a run touched, with the facts recorded before it touched them. */
export function touchedHosts(st: RunState): Array<{ name: string; before: HostFacts }> {
  return [...st.hosts].filter(([, h]) => h.facts_before && !UNTOUCHED.has(h.state)).map(([name, h]) => ({ name, before: h.facts_before! }));
}

export async function rollbackRun(a: { of: RunState; touched: Array<{ name: string; before: HostFacts }>; play: Play; ports: RolloutPorts; bus: EventBus; stateDir: string; inventory: string[]; forks: number; allowReboot: boolean; takeOverLock: boolean; commandTimeoutMs: number }): Promise<RunSummary> {
  const of = a.of.meta.run;
  const id = newRunId();
  const hosts = a.touched.map((t) => t.name);
  const lock = FleetLock.acquire(a.stateDir, id, { takeOver: a.takeOverLock });
  const journal = createJournal(a.stateDir, { run: id, command: `rollback ${of}`, playbook: a.of.meta.playbook, inventory: a.inventory, limit: null, play: a.play.name, hosts, check: false, options: { rollback_of: of } });
  const ledger = new Ledger(journal, a.bus);
  const pool = new SessionPool(a.ports);
  const rebootLimit = pLimit(Math.max(1, a.play.reboot.max_parallel));
  const ctx = { run: id, stateDir: a.stateDir, play: a.play, ports: a.ports, pool, journal, ledger, bus: a.bus, check: false, rebootLimit, commandTimeoutMs: a.commandTimeoutMs };
  const before = new Map(a.touched.map((t) => [t.name, t.before]));
  a.bus.emit({ type: 'run.start', run: id, command: 'rollback', hosts: hosts.length, check: false });
  let results: HostRunResult[] = [];
  try {
    const reached = await fanOut(hosts, a.forks, (host) =>
      rebootLimit(async () => {
        const r = await rollbackHost(ctx, host, before.get(host)!, a.allowReboot);
        await pool.drop(host); // done with this host: at most `forks` sessions at a time
        return r;
      }),
    );
    results = reached.map((r) => {
      if (r.ok) return r.value;
      throw r.error;
    });
  } finally {
    await pool.closeAll();
    lock.release();
  }
  const failed = results.filter((r) => r.status === 'failed' || r.status === 'unreachable').length;
  const pending = results.filter((r) => r.pending_reboot).length;
  const verdict = failed ? 'halted' : pending ? 'pending_reboot' : 'converged';
  const exitCode = failed ? EXIT.FAILED : pending ? EXIT.PENDING_REBOOT : EXIT.OK;
  ledger.end(verdict, exitCode);
  journal.close();
  const counts = countStatuses(hosts, results);
  delete counts.untouched;
  return { run: id, verdict, exitCode, phases: [hosts], results, counts };
}
