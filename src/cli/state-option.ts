// The global --state option, on the program itself: kept apart from the fleet options so that
// `kfleet --help` loads neither the state store's location parser nor ansible.cfg's reader (the
// parser is imported when a command runs).
import type { Command } from 'commander';

/**
 * The global --state option: where runs, journals, the fleet lock, quarantine and report cursors
 * live. A directory, or `etcd://host:2379[,host:2379...]/prefix` for a store a team shares
 * (KFLEET_STATE sets it too). It replaces the default .kfleet/ beside the inventory.
 */
export function addStateOption(program: Command): Command {
  return program
    .option('--state <dir|etcd-url>', 'state store: a directory or etcd://host:2379[,host:2379...]/prefix (also KFLEET_STATE); etcd credentials and TLS files come from KFLEET_ETCD_USER/KFLEET_ETCD_PASSWORD/KFLEET_ETCD_CACERT/KFLEET_ETCD_CERT/KFLEET_ETCD_KEY')
    .hook('preAction', async (thisCommand) => {
      const { parseStateLocation, setConfiguredState } = await import('../state/location.js');
      const spec = (thisCommand.opts() as { state?: string }).state;
      if (spec) parseStateLocation(spec); // a malformed URL is an input error before anything runs
      setConfiguredState(spec);
    });
}
