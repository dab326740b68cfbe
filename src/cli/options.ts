// Options shared by the commands that talk to hosts. Those Ansible also has take their defaults from
// the environment and ansible.cfg as Ansible does (src/config); a flag always wins.
import { Option, type Command } from 'commander';
import { EXIT, KfleetError, inputError } from '../errors.js';
import { applyAnsibleSettings } from '../config/apply.js';

export interface FleetCliOptions {
  inventory: string[];
  limit?: string;
  forks?: string;
  hostKeyPolicy?: 'strict' | 'accept-new' | 'off';
  knownHosts?: string[];
  sshConfig?: string;
  privateKey?: string[];
  connectTimeout?: string;
  commandTimeout?: string;
  /** -K: ask for the become password once, before connecting (as Ansible's --ask-become-pass). */
  askBecomePass?: boolean;
  json?: boolean;
  verbose?: boolean;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

export function addFleetOptions(cmd: Command, { inventoryRequired = true } = {}): Command {
  const inv = new Option('-i, --inventory <path>', 'Ansible inventory file or directory (repeatable; default: ANSIBLE_INVENTORY, then inventory in ansible.cfg)').argParser(collect);
  cmd.hook('preAction', (_self, action) => {
    applyAnsibleSettings(action);
    if (inventoryRequired && !(action.getOptionValue('inventory') as string[] | undefined)?.length)
      throw inputError('no inventory given', {}, 'pass -i INVENTORY, or set inventory in ansible.cfg ([defaults] inventory = ...) or ANSIBLE_INVENTORY');
  });
  return cmd
    .addOption(inv)
    .option('-l, --limit <pattern>', 'further limit the hosts with an Ansible host pattern')
    .option('-f, --forks <n>', 'hosts worked on at once (overrides rollout.forks; default: ANSIBLE_FORKS / forks in ansible.cfg if set)')
    .addOption(new Option('--host-key-policy <policy>', 'unknown host keys: strict refuses, accept-new records them (a changed key always fails), off is for labs only (default: off when host_key_checking is false in ansible.cfg / ANSIBLE_HOST_KEY_CHECKING)').choices(['strict', 'accept-new', 'off']))
    .option('--known-hosts <file>', 'known_hosts file to use instead of the ssh config\'s (repeatable)', collect)
    .option('-F, --ssh-config <file>', 'ssh config file (default ~/.ssh/config)')
    .option('--private-key <file>', 'extra identity file (repeatable; default: ANSIBLE_PRIVATE_KEY_FILE / private_key_file in ansible.cfg)', collect)
    .option('--connect-timeout <s>', 'seconds for TCP connect + handshake + auth per host (default: ANSIBLE_TIMEOUT / timeout in ansible.cfg, else 12)', '12')
    .option('--command-timeout <s>', 'seconds for each remote command', '120')
    .option('-K, --ask-become-pass', 'ask for the become (sudo) password once before connecting, without echo (read from stdin when it is not a terminal)')
    .option('--json', 'machine-readable output')
    .option('-v, --verbose', 'more detail');
}

export function intOption(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new KfleetError('USAGE', `${name} must be a positive whole number, got ${JSON.stringify(v)}`, { exitCode: EXIT.INPUT, hint: `e.g. ${name} ${fallback}` });
  return n;
}
