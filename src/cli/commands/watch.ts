// kfleet watch RUN: a run's progress from its journal, following new records until the run ends,
// from any machine pointed at the same state store (a directory, or etcd with --state).
import type { Command } from 'commander';
import { readJournal, journalPath, replay, type Stamped } from '../../rollout/journal.js';
import { readLock } from '../../rollout/lock.js';
import { requireRun, stateDirOf, withState } from './runs.js';

/** One journal record as a line of text. */
export function formatRecord(r: Stamped): string {
  const at = r.ts.slice(11, 19);
  switch (r.t) {
    case 'run':
      return `${at}  run ${r.run}: ${r.command} ${r.play}, ${r.hosts.length} hosts${r.check ? ' (check)' : ''}`;
    case 'phases':
      return `${at}  phases: ${r.phases.map((p) => p.length).join(' / ')} hosts`;
    case 'phase':
      return `${at}  phase ${r.index + 1} ${r.state}${r.reason ? `: ${r.reason}` : ''}`;
    case 'host':
      return `${at}  ${r.host}  ${r.state}${r.error ? `  ${r.error.code}: ${r.error.message}` : r.detail ? `  ${r.detail}` : ''}`;
    case 'reboot':
      return `${at}  ${r.host}  reboot ${r.stage}${r.boot_id_after ? ` (boot ${r.boot_id_after.slice(0, 8)})` : ''}`;
    case 'finding':
      return `${at}  ${r.host}  finding in phase ${r.phase}: ${r.summary}`;
    case 'end':
      return `${at}  end: ${r.verdict} (exit ${r.exit_code})${r.reason ? `: ${r.reason}` : ''}`;
    default:
      return `${at}  ${JSON.stringify(r)}`;
  }
}

export function registerWatch(program: Command): void {
  withState(program.command('watch').description("follow a run's progress from its journal until it ends (from any machine on the same state store)").argument('<run>'))
    .option('--json', 'one journal record per line, as JSON')
    .option('--interval <ms>', 'how often to look for new records', '500')
    .option('--no-follow', 'print what is recorded so far and stop')
    .action(async (run: string, o: { stateDir?: string; inventory?: string[]; json?: boolean; interval: string; follow: boolean }) => {
      const dir = stateDirOf(o);
      requireRun(dir, run);
      const path = journalPath(dir, run);
      const every = Math.max(50, Number(o.interval) || 500);
      let seen = 0;
      let quietSince = Date.now();
      for (;;) {
        const records = readJournal(path);
        for (const r of records) {
          if (r.seq <= seen) continue;
          seen = r.seq;
          quietSince = Date.now();
          process.stdout.write((o.json ? JSON.stringify(r) : formatRecord(r)) + '\n');
        }
        const st = replay(records);
        if (st.end) {
          process.exitCode = 0;
          return;
        }
        if (!o.follow) return;
        // Tell the watcher once when nobody drives the run any more (its controller died).
        if (Date.now() - quietSince > 5000 && readLock(dir)?.run !== run) {
          process.stderr.write(`run ${run} has no controller (interrupted); waiting for \`kfleet apply --resume ${run}\`\n`);
          quietSince = Number.POSITIVE_INFINITY;
        }
        await new Promise((r) => setTimeout(r, every));
      }
    });
}
