// kfleet runs / promote / abort: list runs with their verdicts, and steer a running one.
import type { Command } from 'commander';
import { EXIT, KfleetError } from '../../errors.js';
import { hasRun, journalPath, listRuns, readJournal, replay } from '../../rollout/journal.js';
import { readLock } from '../../rollout/lock.js';
import { requestAbort, requestPromote } from '../../rollout/control.js';
import { readQuarantine, releaseHost } from '../../rollout/quarantine.js';
import { defaultStateDir } from '../targets.js';
import { registerWatch } from './watch.js';

interface StateOpts {
  stateDir?: string;
  inventory?: string[];
  json?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function stateDirOf(o: StateOpts): string {
  return o.stateDir ?? defaultStateDir(o.inventory ?? []);
}

export function withState(cmd: Command): Command {
  return cmd.option('--state-dir <dir>', 'state directory (default .kfleet/ beside the inventory)').option('-i, --inventory <path>', 'inventory (locates the default state directory)', collect);
}

export function requireRun(stateDir: string, run: string): void {
  if (!hasRun(stateDir, run)) {
    throw new KfleetError('RUN_UNKNOWN', `no run ${run} in ${stateDir}`, { exitCode: EXIT.INPUT, hint: '`kfleet runs` lists the runs; pass --state, --state-dir or -i to point at the right place' });
  }
}

export function register(program: Command): void {
  withState(program.command('runs').description('list rollout runs and their verdicts'))
    .option('--json', 'machine-readable output')
    .action((o: StateOpts) => {
      const dir = stateDirOf(o);
      const lock = readLock(dir);
      const rows = listRuns(dir).map((run) => {
        const st = replay(readJournal(journalPath(dir, run)));
        const counts: Record<string, number> = {};
        for (const h of st.hosts.values()) counts[h.state] = (counts[h.state] ?? 0) + 1;
        const verdict = st.end?.verdict ?? (lock?.run === run ? 'running' : 'interrupted (kfleet apply --resume ' + run + ')');
        const owner = !st.end && lock?.run === run ? { machine: lock.machine, pid: lock.pid, user: lock.user, since: lock.since } : null;
        return { run, play: st.meta.play, hosts: st.meta.hosts.length, check: st.meta.check, verdict, reason: st.end?.reason ?? null, states: counts, controller: owner };
      });
      if (o.json) process.stdout.write(JSON.stringify({ runs: rows }, null, 2) + '\n');
      else if (rows.length === 0) process.stdout.write(`no runs in ${dir}\n`);
      else for (const r of rows) process.stdout.write(`${r.run}  ${r.play}  ${r.hosts} hosts${r.check ? ' (check)' : ''}  ${r.verdict}${r.controller ? ` on ${r.controller.machine} pid ${r.controller.pid} (${r.controller.user})` : ''}${r.reason ? ` (${r.reason})` : ''}  ${Object.entries(r.states).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
    });

  withState(program.command('promote').description('let a run waiting for manual promotion go on to its next phase').argument('<run>'))
    .option('--phase <n>', 'promote this phase only (default: whichever phase is waiting next)')
    .action((run: string, o: StateOpts & { phase?: string }) => {
      const dir = stateDirOf(o);
      requireRun(dir, run);
      requestPromote(dir, run, o.phase ? Number(o.phase) : 'next');
      process.stdout.write(`promotion requested for run ${run}\n`);
    });

  withState(program.command('abort').description('stop a run cleanly: hosts in flight finish their step, no new host is touched').argument('<run>'))
    .action((run: string, o: StateOpts) => {
      const dir = stateDirOf(o);
      requireRun(dir, run);
      requestAbort(dir, run);
      process.stdout.write(`abort requested for run ${run}\n`);
    });

  withState(program.command('quarantine').description('list hosts the boot-loop guard reverted and quarantined, or lift a quarantine'))
    .option('--release <host>', 'lift the quarantine of HOST (after reading its KFENCE report)')
    .option('--json', 'machine-readable output')
    .action((o: StateOpts & { release?: string }) => {
      const dir = stateDirOf(o);
      if (o.release) {
        if (!releaseHost(dir, o.release)) throw new KfleetError('NOT_QUARANTINED', `${o.release} is not quarantined in ${dir}`, { exitCode: EXIT.INPUT });
        process.stdout.write(`${o.release}: quarantine lifted\n`);
        return;
      }
      const q = readQuarantine(dir);
      if (o.json) process.stdout.write(JSON.stringify({ quarantined: q }, null, 2) + '\n');
      else if (Object.keys(q).length === 0) process.stdout.write(`no quarantined hosts in ${dir}\n`);
      else for (const [h, e] of Object.entries(q)) process.stdout.write(`${h}  since ${e.since}  run ${e.run}  ${e.reason}\n`);
    });

  registerWatch(program);
}
