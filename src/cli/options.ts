// Options shared by the commands that talk to hosts. Those Ansible also has take their defaults from
// the environment and ansible.cfg as Ansible does (src/config); a flag always wins.
import { Option, type Command } from 'commander';
import { EXIT, KfleetError, inputError } from '../errors.js';
import { applyAnsibleSettings } from '../config/apply.js';
import { parseStateLocation, setConfiguredState } from '../state/location.js';

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
    .option('--json', 'machine-readable output')
    .option('-v, --verbose', 'more detail');
}

export function intOption(v: string | undefined, name: string, fallback: number): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new KfleetError('USAGE', `${name} must be a positive whole number, got ${JSON.stringify(v)}`, { exitCode: EXIT.INPUT });
  return n;
}

/**
 * The global --state option: where runs, journals, the fleet lock, quarantine and report cursors
 * live. A directory, or `etcd://host:2379[,host:2379...]/prefix` for a store a team shares
 * (KFLEET_STATE sets it too). It replaces the default .kfleet/ beside the inventory.
 */
export function addStateOption(program: Command): Command {
  return program
    .option('--state <dir|etcd-url>', 'state store: a directory or etcd://host:2379[,host:2379...]/prefix (also KFLEET_STATE); etcd credentials and TLS files come from KFLEET_ETCD_USER/KFLEET_ETCD_PASSWORD/KFLEET_ETCD_CACERT/KFLEET_ETCD_CERT/KFLEET_ETCD_KEY')
    .hook('preAction', (thisCommand) => {
      const spec = (thisCommand.opts() as { state?: string }).state;
      if (spec) parseStateLocation(spec); // a malformed URL is an input error before anything runs
      setConfiguredState(spec);
    });
}
