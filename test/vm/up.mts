// Boots test VMs by hand and keeps them up until Ctrl-C:
//   npx tsx test/vm/up.mts [N] [--args "kfence.sample_interval=100"]
// prints the inventory, known_hosts and an ssh command line for each VM.
import { parseArgs } from 'node:util';
import { ensureVmAssets } from './build/assets.js';
import { DEFAULT_DISK_ARGS, startVmFleet } from './fleet.js';
import { sshArgs } from './ssh.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { args: { type: 'string' } } });
const n = Number(positionals[0] ?? '1');
await ensureVmAssets((s) => console.log(`vm setup: ${s}`));
const fleet = await startVmFleet(n, { args: `${DEFAULT_DISK_ARGS} ${values.args ?? ''}`.trim() });
console.log(`inventory:   ${fleet.inventoryPath}\nknown_hosts: ${fleet.knownHostsPath}\nconsole logs: ${fleet.runDir}/*.console.log`);
for (const vm of fleet.vms) {
  console.log(`${vm.name}: up in ${((fleet.bootMs[vm.name] ?? 0) / 1000).toFixed(1)} s: ssh ${sshArgs(fleet, vm.port).map((a) => (/[\s"]/.test(a) ? `'${a}'` : a)).join(' ')}`);
  vm.on('start', (b: { n: number; cmdline: string }) => console.log(`${vm.name}: boot ${b.n}: ${b.cmdline}`));
}
console.log('Ctrl-C stops them (the supervisor kills its VMs when this process ends).');
