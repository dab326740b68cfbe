// `kfleet validate PLAYBOOK [-i INVENTORY]`: load and check a playbook without touching any host;
// with -i, also check that each play's host pattern selects at least one inventory host.
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { loadInventory } from '../../inventory/load.js';
import { checkPlayHosts } from '../../playbook/inventory-check.js';
import { loadPlaybook } from '../../playbook/load.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function register(program: Command): void {
  program
    .command('validate')
    .description('check a playbook (and, with -i, that each play selects some hosts); changes nothing')
    .argument('<playbook>', 'playbook YAML file')
    .option('-i, --inventory <path>', 'inventory file or directory (repeatable)', collect, [])
    .action(async (file: string, opts: { inventory: string[] }) => {
      const pb = await loadPlaybook(file);
      const lines = [`${file}: ${plural(pb.plays.length, 'play')} OK`];
      if (opts.inventory.length) {
        const inv = await loadInventory(opts.inventory);
        const { matched, problems } = checkPlayHosts(pb, inv);
        if (problems.length) throw new InputError(problems);
        for (const m of matched) lines.push(`  ${m.play}: ${m.hosts} selects ${plural(m.count, 'host')}`);
      }
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
