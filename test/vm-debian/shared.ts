// One fleet of three Debian VMs shared by the tier's files (a boot through GRUB and systemd costs
// a minute or more under TCG), started on first use and stopped by mocha's global teardown.
// deb0: runtime as sre, then the kernel update; deb1: the boot unit's removal; deb2: rollback;
// all three: the phased boot-time rollout through real GRUB.
import { ssh, type SshResult } from '../vm/ssh.js';
import { startDebianFleet, type DebianFleet } from './fleet.js';
import { SRE_SUDO_PASSWORD } from './paths.js';
import type { DebVm } from './vm.js';

let shared: Promise<DebianFleet> | null = null;

export function sharedFleet(): Promise<DebianFleet> {
  // kfleet reads the become password from the environment, as an SRE's CI job would pass it.
  process.env['KFLEET_BECOME_PASSWORD'] = SRE_SUDO_PASSWORD;
  shared ??= startDebianFleet(3).then((f) => {
    for (const [name, ms] of Object.entries(f.bootMs)) console.log(`      [vm-debian] ${name}: first boot to SSH (SeaBIOS, GRUB, kernel, systemd) ${(ms / 1000).toFixed(1)} s`);
    return f;
  });
  return shared;
}

/** A witness read as root (the key, not kfleet's path): requires exit 0. */
export async function root(fleet: DebianFleet, vm: DebVm, command: string, timeoutMs = 600_000): Promise<string> {
  const r = await ssh(fleet, vm.port, command, timeoutMs);
  if (r.code !== 0) throw new Error(`${vm.name}: \`${command}\` exited ${r.code}: ${r.stderr}${r.stdout}`);
  return r.stdout;
}

export function rootSh(fleet: DebianFleet, vm: DebVm, command: string, timeoutMs = 600_000): Promise<SshResult> {
  return ssh(fleet, vm.port, command, timeoutMs);
}

/** What the real VM holds that kfleet could have changed, read directly. */
export interface DebState {
  bootId: string;
  cmdline: string;
  interval: string;
  /** Caches whose skip_kfence is 0 (sampled), sorted. */
  sampled: string[];
  /** kfleet's drop-in, or null. */
  dropin: string | null;
  /** Every `linux` line of /boot/grub/grub.cfg. */
  grubLinux: string[];
  unitFile: boolean;
}

export async function debState(fleet: DebianFleet, vm: DebVm): Promise<DebState> {
  const out = await root(fleet, vm, [
    'cat /proc/sys/kernel/random/boot_id /proc/cmdline /sys/module/kfence/parameters/sample_interval',
    // One process for ~300 files (a loop of cat forks takes minutes under a loaded TCG host).
    "echo @@; grep -l '^0$' /sys/kernel/slab/*/skip_kfence | sed 's#^/sys/kernel/slab/##; s#/skip_kfence$##'",
    'echo @@; cat /etc/default/grub.d/kfleet-kfence.cfg 2>/dev/null || echo "(none)"',
    "echo @@; grep -E '^[[:space:]]*linux[[:space:]]' /boot/grub/grub.cfg",
    'echo @@; [ -e /etc/systemd/system/kfleet-kfence.service ] && echo unit || echo nounit',
  ].join('; '));
  const [head = '', sampled = '', dropin = '', grub = '', unit = ''] = out.split('@@\n');
  const [bootId = '', cmdline = '', interval = ''] = head.split('\n');
  return {
    bootId, cmdline, interval,
    sampled: sampled.split('\n').filter(Boolean).sort(),
    dropin: dropin.trim() === '(none)' ? null : dropin,
    grubLinux: grub.split('\n').map((l) => l.trim()).filter(Boolean),
    unitFile: unit.trim() === 'unit',
  };
}

export async function mochaGlobalTeardown(): Promise<void> {
  if (!shared) return;
  const f = await shared.catch(() => null);
  shared = null;
  await f?.stop();
}

/** Waits until the VM answers SSH on a boot other than `bootId`; returns the new boot id. */
export async function waitForNewBoot(fleet: DebianFleet, vm: DebVm, bootId: string, timeoutMs = 600_000): Promise<string> {
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    const r = await ssh(fleet, vm.port, 'cat /proc/sys/kernel/random/boot_id', 15_000).catch(() => null);
    const id = r?.code === 0 ? r.stdout.trim() : '';
    if (id && id !== bootId) return id;
    await new Promise((res) => setTimeout(res, 3000));
  }
  throw new Error(`${vm.name}: no new boot within ${timeoutMs / 1000} s; console: ${vm.config.consoleLog}`);
}
