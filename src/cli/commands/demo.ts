// kfleet demo: start a simulated fleet on this machine (real SSH, a faithful KFENCE kernel per
// profile), roll the demo playbook out across it (canary first, reboots where the state needs
// them), show the fleet before and after, and stop the fleet.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../../errors.js';

/** The package's root: the first directory above this module with the demo playbook (src/cli/commands, dist/cli/commands or dist/bundle). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++, dir = resolve(dir, '..')) if (existsSync(join(dir, 'playbooks', 'demo.yml'))) return dir;
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
}
const ROOT = packageRoot();
export const DEMO_MIX: Record<string, number> = {
  'alinux-5.10.134-17': 5,
  'alinux-5.10.134-16': 2,
  'alinux-aarch64-5.10.134-16': 1,
  'upstream-6.12': 3,
  'upstream-5.15': 1,
};

export function register(program: Command): void {
  program
    .command('demo')
    .description('start a simulated fleet, roll KFENCE out across it with canaries and reboots, and stop it')
    .option('--playbook <file>', 'playbook to roll out', join(ROOT, 'playbooks', 'demo.yml'))
    .option('--keep', 'leave the lab running (and print how to reach it)')
    .action(async (o: { playbook: string; keep?: boolean }) => {
      process.exitCode = await demo(o);
    });
}

async function demo(o: { playbook: string; keep?: boolean }): Promise<number> {
  const { startLab } = await import('../../lab/index.js');
  // The commands' own functions, not main(): the demo is one command calling two others.
  const { status } = await import('./status.js');
  const { apply } = await import('./apply.js');
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-demo-'));
  const total = Object.values(DEMO_MIX).reduce((a, b) => a + b, 0);
  process.stdout.write(pc.bold(`Starting a lab of ${total} hosts (${Object.entries(DEMO_MIX).map(([p, n]) => `${n} x ${p}`).join(', ')}) ...\n`));
  const lab = await startLab({ mix: DEMO_MIX, stateDir: dir, downtimeMs: 1500 });
  const common = { inventory: [lab.inventoryPath], knownHosts: [lab.knownHostsPath] };
  const state = { ...common, stateDir: join(dir, 'state'), yes: true };
  try {
    process.stdout.write(pc.bold('\n$ kfleet status\n'));
    await status('all', common);
    process.stdout.write(pc.bold(`\n$ kfleet apply ${o.playbook} --yes\n`));
    const code = await apply(o.playbook, state);
    process.stdout.write(pc.bold('\n$ kfleet status\n'));
    await status('all', common);
    process.stdout.write(pc.bold('\n$ kfleet apply again: nothing left to change\n'));
    const again = await apply(o.playbook, state);
    const boots = lab.hosts.map((h) => h.bootCount - 1);
    process.stdout.write(`\nlab witness: ${boots.filter((b) => b === 1).length} hosts rebooted exactly once, ${boots.filter((b) => b === 0).length} not at all, ${boots.filter((b) => b > 1).length} more than once\n`);
    if (o.keep) {
      process.stdout.write(`lab left running; inventory ${lab.inventoryPath}; press Ctrl-C to stop\n`);
      await new Promise(() => {});
    }
    // The demo succeeds when the rollout did what it should: refusals of hosts whose kernel cannot
    // do the change are part of the show, failures are not.
    return code === EXIT.OK || code === EXIT.REFUSED ? (again === EXIT.OK || again === EXIT.REFUSED ? EXIT.OK : again) : code;
  } finally {
    await lab.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
