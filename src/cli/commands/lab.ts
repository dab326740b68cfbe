// kfleet lab up|down|status|inject|fault: a simulated fleet on this machine (src/lab).
import type { Command } from 'commander';
import { spawn } from 'node:child_process';
import { openSync, mkdirSync } from 'node:fs';
import { resolve, join } from 'node:path';
import { KfleetError, EXIT } from '../../errors.js';

const DEFAULT_DIR = '.kfleet/lab';

function parseMix(s: string): Record<string, number> {
  const mix: Record<string, number> = {};
  for (const part of s.split(',')) {
    const m = /^([^:]+):(\d+)$/.exec(part.trim());
    if (!m) throw new KfleetError('LAB_MIX', `bad --mix entry ${JSON.stringify(part)}`, { exitCode: EXIT.INPUT, hint: 'use PROFILE:COUNT[,PROFILE:COUNT...], e.g. alinux-5.10.134-17:8,upstream-6.12:2' });
    mix[m[1]!] = Number(m[2]);
  }
  return mix;
}

interface UpOptions {
  hosts: string;
  profile?: string;
  mix?: string;
  stateDir: string;
  detach?: boolean;
  become: string;
  downtimeMs: string;
  kernelSecondMs: string;
}

async function up(o: UpOptions): Promise<number> {
  const stateDir = resolve(o.stateDir);
  mkdirSync(stateDir, { recursive: true });
  const { PROFILE_NAMES } = await import('../../lab/profiles.js');
  const mix = o.mix ? parseMix(o.mix) : { [o.profile ?? 'alinux-5.10.134-17']: Number(o.hosts) };
  for (const p of Object.keys(mix)) if (!PROFILE_NAMES.includes(p)) throw new KfleetError('LAB_PROFILE', `unknown lab profile ${p}`, { exitCode: EXIT.INPUT, hint: `one of ${PROFILE_NAMES.join(', ')}` });
  if (!['root', 'sudo-nopasswd', 'sudo-password'].includes(o.become)) throw new KfleetError('LAB_BECOME', `unknown --become ${o.become}`, { exitCode: EXIT.INPUT, hint: 'root, sudo-nopasswd or sudo-password' });
  const { controlRequest } = await import('../../lab/control.js');
  if (o.detach) {
    const log = openSync(join(stateDir, 'lab.log'), 'a');
    const args = [...process.execArgv, process.argv[1]!, 'lab', 'up', '--state-dir', stateDir, '--mix', Object.entries(mix).map(([p, n]) => `${p}:${n}`).join(','), '--become', o.become, '--downtime-ms', o.downtimeMs, '--kernel-second-ms', o.kernelSecondMs];
    const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log] });
    child.unref();
    for (let i = 0; i < 600; i++) {
      try {
        const s = await controlRequest<{ hosts: unknown[]; inventory: string; pid: number }>(stateDir, '/status');
        process.stdout.write(`lab of ${s.hosts.length} hosts up (pid ${s.pid}); inventory ${s.inventory}\nstop it with: kfleet lab down --state-dir ${stateDir}\n`);
        return EXIT.OK;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    throw new KfleetError('LAB_START', 'the detached lab did not come up within 120 s', { hint: `see ${join(stateDir, 'lab.log')}` });
  }
  const { startLab } = await import('../../lab/index.js');
  const { serveControl } = await import('../../lab/control.js');
  const lab = await startLab({ mix, stateDir, become: o.become as 'root', downtimeMs: Number(o.downtimeMs), kernelSecondMs: Number(o.kernelSecondMs) });
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const server = await serveControl(lab, () => done());
  process.once('SIGINT', () => done());
  process.once('SIGTERM', () => done());
  process.stdout.write(`lab of ${lab.hosts.length} hosts up; inventory ${lab.inventoryPath}; known_hosts ${lab.knownHostsPath}; key ${lab.clientKeyPath}\n`);
  if (lab.sudoPassword) process.stdout.write(`sre's sudo password is in the lab process only (lab.sudoPassword)\n`);
  await finished;
  await lab.stop();
  server.close();
  process.stdout.write('lab stopped\n');
  return EXIT.OK;
}

export function register(program: Command): void {
  const lab = program.command('lab').description('a simulated fleet of KFENCE hosts on this machine, reachable over SSH');
  lab
    .command('up')
    .description('start lab hosts and serve them until `kfleet lab down`')
    .option('--hosts <n>', 'number of hosts', '3')
    .option('--profile <name>', 'kernel profile of every host')
    .option('--mix <list>', 'PROFILE:COUNT[,PROFILE:COUNT...]')
    .option('--state-dir <dir>', 'where the inventory, keys and control socket live', DEFAULT_DIR)
    .option('--become <mode>', 'root | sudo-nopasswd | sudo-password', 'root')
    .option('--downtime-ms <ms>', 'reboot downtime', '1500')
    .option('--kernel-second-ms <ms>', 'how long a kernel second lasts (panic=N, the soft-lockup detector); 0: no wait', '0')
    .option('--detach', 'serve the lab from a background process')
    .action(async (o: UpOptions) => {
      process.exitCode = await up(o);
    });
  lab
    .command('down')
    .option('--state-dir <dir>', 'the lab state dir', DEFAULT_DIR)
    .action(async (o: { stateDir: string }) => {
      const { controlRequest } = await import('../../lab/control.js');
      await controlRequest(resolve(o.stateDir), '/down');
      process.stdout.write('lab stopping\n');
    });
  lab
    .command('status')
    .option('--state-dir <dir>', 'the lab state dir', DEFAULT_DIR)
    .option('--json', 'machine-readable')
    .action(async (o: { stateDir: string; json?: boolean }) => {
      const { controlRequest } = await import('../../lab/control.js');
      type S = { hosts: { name: string; port: number; profile: string; state: string; bootCount: number; bootId: string; kfence: { enabled: boolean; sampleInterval: string; bugs: number }; faults: string[]; audit: { writes: number; failedWrites: number } }[] };
      const s = await controlRequest<S>(resolve(o.stateDir), '/status');
      if (o.json) {
        process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        return;
      }
      for (const h of s.hosts)
        process.stdout.write(`${h.name}  :${h.port}  ${h.profile}  ${h.state}  boots=${h.bootCount}  kfence=${h.kfence.enabled ? `on(${h.kfence.sampleInterval})` : 'off'}  bugs=${h.kfence.bugs}  writes=${h.audit.writes}(${h.audit.failedWrites} failed)${h.faults.length ? `  faults=${h.faults.join(',')}` : ''}\n`);
    });
  lab
    .command('inject')
    .argument('<host>')
    .argument('<bug>', 'use-after-free | out-of-bounds-read | out-of-bounds-write | invalid-free | memory-corruption | invalid-access')
    .option('--state-dir <dir>', 'the lab state dir', DEFAULT_DIR)
    .action(async (host: string, bug: string, o: { stateDir: string }) => {
      const { controlRequest } = await import('../../lab/control.js');
      const r = await controlRequest<{ result: string }>(resolve(o.stateDir), '/inject', { host, bug });
      process.stdout.write(`${host}: ${r.result}\n`);
    });
  lab
    .command('fault')
    .argument('<host>')
    .argument('<fault>', 'no-return | slow-return | new-host-key | boot-loop | drop-connections | cut-mid-command | slow-command | none')
    .option('--ms <n>', 'the fault\'s time parameter')
    .option('--state-dir <dir>', 'the lab state dir', DEFAULT_DIR)
    .action(async (host: string, fault: string, o: { stateDir: string; ms?: string }) => {
      const { controlRequest } = await import('../../lab/control.js');
      const r = await controlRequest<{ faults: string[] }>(resolve(o.stateDir), '/fault', { host, fault, ...(o.ms ? { ms: Number(o.ms) } : {}) });
      process.stdout.write(`${host}: faults ${r.faults.join(', ') || 'none'}\n`);
    });
}
