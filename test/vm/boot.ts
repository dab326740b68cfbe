// Reboot a test VM into a given set of kfence.* kernel args, through its own grubby.
import type { FleetVm, VmFleet } from './fleet.js';
import { ssh } from './ssh.js';

/** How kfleet fires a reboot (DESIGN.md): detached from the SSH session. */
export const REBOOT_COMMAND = "nohup sh -c 'sleep 1; systemctl reboot || shutdown -r now || reboot' >/dev/null 2>&1 &";

/**
 * Replaces every kfence.* arg on the VM's boot entry with `args` (may be empty), reboots it for
 * real and waits for SSH; resolves with the new boot's command line.
 */
export async function bootWithArgs(fleet: VmFleet, vm: FleetVm, args: string): Promise<string> {
  const current = vm.diskArgs().split(/\s+/).filter((t) => t.startsWith('kfence.'));
  const parts = ['grubby --update-kernel=ALL'];
  if (current.length) parts.push(`--remove-args="${current.join(' ')}"`);
  if (args.trim()) parts.push(`--args="${args.trim()}"`);
  const set = await ssh(fleet, vm.port, parts.join(' '));
  if (set.code !== 0) throw new Error(`grubby on ${vm.name} failed: ${set.stderr}`);
  const n = vm.bootCount;
  const fire = await ssh(fleet, vm.port, REBOOT_COMMAND);
  if (fire.code !== 0) throw new Error(`reboot on ${vm.name} failed: ${fire.stderr}`);
  const boot = await vm.waitForReboot(n);
  return boot.cmdline;
}
