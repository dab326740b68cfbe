// Runs kfleet itself (bin/kfleet.js, a child process, as an SRE would) against the VM fleet's
// inventory with strict host keys from the fleet's known_hosts, and snapshots what the real
// kernels hold so a scenario can say what kfleet did or did not change.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FleetVm, VmFleet } from './fleet.js';
import { VM_DIR } from './paths.js';
import { run, sh } from './shared.js';

const KFLEET = join(VM_DIR, '..', '..', 'bin', 'kfleet.js');

export interface KfleetEvent {
  type: string;
  host?: string;
  [key: string]: unknown;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
  /** NDJSON lines of stdout (with --json). */
  events: KfleetEvent[];
  ms: number;
}

/** `kfleet <command> -i <fleet inventory> --known-hosts <fleet known_hosts> ...args`. */
export function kfleet(fleet: Pick<VmFleet, 'inventoryPath' | 'knownHostsPath'>, command: string, args: string[], timeoutMs = 240_000): Promise<CliResult> {
  const argv = [KFLEET, command, '-i', fleet.inventoryPath, '--known-hosts', fleet.knownHostsPath, ...args];
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    execFile('node', argv, { timeout: timeoutMs, maxBuffer: 64 << 20, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`kfleet ${command} did not finish (${err.message}): ${stderr}`));
        return;
      }
      const events: KfleetEvent[] = [];
      for (const line of stdout.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          events.push(JSON.parse(line) as KfleetEvent);
        } catch {
          /* a pretty-printed document (report --json), not NDJSON */
        }
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr, events, ms: Date.now() - t0 });
    });
  });
}

/** Writes a playbook into the fleet's run directory; returns its path. */
export function playbook(fleet: Pick<VmFleet, 'runDir'>, name: string, yaml: string): string {
  const path = join(fleet.runDir, `${name}.yml`);
  writeFileSync(path, yaml);
  return path;
}

/** For assertion messages: what kfleet printed. */
export function output(r: CliResult): string {
  return `exit ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

export const PARAMS = '/sys/module/kfence/parameters';

/** Everything kfleet could change on a VM, read from the real kernel and the boot disk. */
export interface VmState {
  bootId: string;
  cmdline: string;
  /** What the next boot gets (the boot disk grubby writes). */
  diskArgs: string;
  bootCount: number;
  params: string;
  /** "cache value" for every /sys/kernel/slab/<cache>/skip_kfence. */
  skipKfence: string;
  kfenceEnabled: string;
}

/**
 * A witness read (it changes nothing): run once more when ssh itself failed (exit 255). Seen in CI
 * at load ~10: the guest shell of this read was cut after its slab loop and ssh exited 255, twice in
 * one run, while kfleet's own commands on the same VM were fine; the second read is logged.
 */
async function readOnly(fleet: VmFleet, vm: FleetVm, command: string): Promise<string> {
  const first = await sh(fleet, vm, command);
  if (first.code === 0) return first.stdout;
  if (first.code !== 255) throw new Error(`${vm.name}: \`${command}\` exited ${first.code}: ${first.stderr}${first.stdout}`);
  console.log(`      [vm] ${vm.name}: a witness read's ssh exited 255 (${first.stdout.length} bytes read); reading again`);
  return run(fleet, vm, command);
}

export async function vmState(fleet: VmFleet, vm: FleetVm): Promise<VmState> {
  const out = await readOnly(
    fleet,
    vm,
    [
      'cat /proc/sys/kernel/random/boot_id /proc/cmdline',
      'echo @@',
      `for f in ${PARAMS}/*; do echo "\${f##*/}=$(cat $f)"; done`,
      'echo @@',
      'for f in /sys/kernel/slab/*/skip_kfence; do d=${f%/skip_kfence}; echo "${d##*/} $(cat $f)"; done',
      'echo @@',
      'head -1 /sys/kernel/debug/kfence/stats 2>/dev/null || echo "no stats"',
    ].join('; '),
  );
  const [head = '', params = '', skip = '', stats = ''] = out.split('@@\n');
  const [bootId = '', cmdline = ''] = head.split('\n');
  return { bootId, cmdline, diskArgs: vm.diskArgs(), bootCount: vm.bootCount, params, skipKfence: skip, kfenceEnabled: stats.trim() };
}

/** The live value of one KFENCE parameter. */
export async function param(fleet: VmFleet, vm: FleetVm, name: string): Promise<string> {
  return (await run(fleet, vm, `cat ${PARAMS}/${name}`)).trim();
}
