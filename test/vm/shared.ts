// One VM fleet shared by the tier's test files (booting costs seconds under TCG), started on
// first use and stopped by mocha's global teardown (and by the supervisor's exit handler).
import { startVmFleet, type VmFleet, type VmFleetOptions } from './fleet.js';
import { ssh, type SshResult } from './ssh.js';
import type { Vm } from './vm.js';

let shared: Promise<VmFleet> | null = null;

/** VMs in the shared fleet: the rollout scenarios need three; the other files use vm0 only. */
export const FLEET_SIZE = 3;

/**
 * The shared fleet ("vm0".."vm2", booted in parallel with KFENCE off: no kfence.* argument).
 * vm0 serves the kernel and lab-conformance files; vm1 the runtime scenarios through kfleet;
 * all three the phased boot-time rollout.
 */
export function sharedFleet(opts: VmFleetOptions = {}): Promise<VmFleet> {
  shared ??= startVmFleet(FLEET_SIZE, opts).then((f) => {
    for (const [name, ms] of Object.entries(f.bootMs)) console.log(`      [vm] ${name}: boot to SSH ${(ms / 1000).toFixed(1)} s`);
    return f;
  });
  return shared;
}

/** Runs a command on a VM of the fleet and requires exit 0. */
export async function run(fleet: VmFleet, vm: Vm, command: string): Promise<string> {
  const r = await ssh(fleet, vm.port, command);
  if (r.code !== 0) throw new Error(`${vm.name}: \`${command}\` exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function sh(fleet: VmFleet, vm: Vm, command: string): Promise<SshResult> {
  return ssh(fleet, vm.port, command);
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (!shared) return;
  const f = await shared.catch(() => null);
  shared = null;
  await f?.stop();
}
