// `kfleet hosts -i INVENTORY [PATTERN] [--json]`: the hosts a pattern selects (like
// `ansible PATTERN --list-hosts`), or with --json those hosts as `ansible-inventory --list --limit
// PATTERN` shows them (groups, children and hostvars of the selected hosts only).
import type { Command } from 'commander';
import { inputError } from '../../errors.js';
import { toAnsibleList } from '../../inventory/json.js';
import { loadInventory } from '../../inventory/load.js';
import { matchPattern } from '../../inventory/pattern.js';
import { applyAnsibleSettings } from '../../config/apply.js';

const collect = (v: string, prev: string[]): string[] => [...prev, v];

export function register(program: Command): void {
  program
    .command('hosts')
    .description('list the inventory hosts a pattern selects (default: all)')
    .argument('[pattern]', 'Ansible host pattern, e.g. "web:&prod:!canary"', 'all')
    .option('-i, --inventory <path>', 'inventory file or directory (repeatable; default: ANSIBLE_INVENTORY, then inventory in ansible.cfg)', collect, [])
    .option('-l, --limit <pattern>', 'further limit the selected hosts, like ansible --limit')
    .option('--json', 'print the selected hosts with their groups and variables like `ansible-inventory --list --limit PATTERN`')
    .hook('preAction', (_self, action) => applyAnsibleSettings(action))
    .action(async (pattern: string, opts: { inventory: string[]; limit?: string; json?: boolean }) => {
      if (!opts.inventory.length) throw inputError('no inventory given', {}, 'pass -i INVENTORY (repeatable), or set inventory in ansible.cfg or ANSIBLE_INVENTORY');
      const inv = await loadInventory(opts.inventory);
      const hosts = matchPattern(inv, pattern, { limit: opts.limit });
      if (opts.json) {
        const selected = pattern === 'all' && opts.limit === undefined ? undefined : new Set(hosts.map((h) => h.name));
        process.stdout.write(`${JSON.stringify(toAnsibleList(inv, selected), null, 2)}\n`);
        return;
      }
      process.stdout.write(hosts.map((h) => `${h.name}\n`).join(''));
    });
}
