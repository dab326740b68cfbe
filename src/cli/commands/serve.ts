// `kfleet serve`: the live dashboard of the runs in a state directory (see src/serve/server.ts).
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { EXIT, KfleetError } from '../../errors.js';
import { defaultStateDir } from '../targets.js';
import type { Stamped } from '../../rollout/journal.js';
import type { PlayLimits } from '../../serve/run-view.js';

interface ServeCliOptions {
  inventory: string[];
  stateDir?: string;
  bind: string;
  port: string;
  allowControl?: boolean;
  token?: string;
}

const collect = (v: string, prev: string[]): string[] => [...prev, v];

/** The play's rollout settings from the playbook file the run recorded (null if it is gone or changed shape). */
async function limitsFromPlaybook(records: readonly Stamped[]): Promise<PlayLimits | null> {
  const first = records[0];
  if (first?.t !== 'run') return null;
  const { loadPlaybook } = await import('../../playbook/load.js');
  const play = (await loadPlaybook(first.playbook.file)).plays.find((p) => p.name === first.play);
  if (!play) return null;
  const r = play.rollout;
  return { max_fail_percentage: r.max_fail_percentage, ...(r.max_failed_hosts !== undefined ? { max_failed_hosts: r.max_failed_hosts } : {}), soak_ms: r.soak_ms, promote: r.promote, health: r.health };
}

export function register(program: Command): void {
  program
    .command('serve')
    .description('serve a live, read-only web page of the runs (phases, hosts, reboots, budgets, soak gates, findings, timeline)')
    .option('-i, --inventory <path>', 'inventory (its directory holds the default state dir)', collect, [])
    .option('--state-dir <dir>', 'where the runs live (default .kfleet/ beside the inventory)')
    .option('--bind <address>', 'address to listen on (loopback unless you mean otherwise)', '127.0.0.1')
    .option('--port <n>', 'TCP port (0 = any free port)', '8321')
    .option('--allow-control', 'let the page promote and abort runs (each request must carry the token)')
    .option('--token <token>', 'the control token (default: $KFLEET_SERVE_TOKEN, else a random one printed at start)')
    .action(async (o: ServeCliOptions) => {
      const port = Number(o.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KfleetError('USAGE', `--port must be a port number, got ${JSON.stringify(o.port)}`, { exitCode: EXIT.INPUT, hint: 'kfleet serve --port 8321 (0 picks a free port)' });
      const token = o.allowControl ? (o.token ?? process.env.KFLEET_SERVE_TOKEN ?? randomBytes(18).toString('base64url')) : undefined;
      if (o.allowControl && token!.length < 12) throw new KfleetError('USAGE', 'the control token is too short (at least 12 characters)', { exitCode: EXIT.INPUT, hint: 'omit --token to get a random one' });
      const { startServe } = await import('../../serve/server.js');
      const stateDir = o.stateDir ?? defaultStateDir(o.inventory);
      const s = await startServe({ stateDir, bind: o.bind, port, allowControl: o.allowControl === true, ...(token ? { token } : {}), limits: limitsFromPlaybook });
      const loopback = ['127.0.0.1', 'localhost', '::1'].includes(o.bind);
      process.stdout.write(`kfleet serve: ${s.url} (runs in ${stateDir}; ${o.allowControl ? 'promote/abort allowed with the token' : 'read-only'})\n`);
      if (o.allowControl && !o.token && !process.env.KFLEET_SERVE_TOKEN) process.stdout.write(`control token: ${token}  (or open ${s.url}#token=${token})\n`);
      if (!loopback) process.stderr.write(`warning: listening on ${o.bind}: anyone who can reach it can read the runs${o.allowControl ? ' (control still needs the token)' : ''}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await s.close();
    });
}
