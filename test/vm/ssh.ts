// Runs commands on a test VM through the real OpenSSH client, with strict host key checking
// against the fleet's known_hosts.
import { execFile } from 'node:child_process';
import type { VmFleet } from './fleet.js';

export interface SshResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function sshArgs(fleet: Pick<VmFleet, 'knownHostsPath' | 'clientKeyPath'>, port: number): string[] {
  return [
    '-F', 'none',
    '-o', 'BatchMode=yes',
    '-o', 'StrictHostKeyChecking=yes',
    '-o', `UserKnownHostsFile=${fleet.knownHostsPath}`,
    '-o', 'GlobalKnownHostsFile=/dev/null',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'ConnectTimeout=10',
    '-o', 'LogLevel=ERROR',
    '-i', fleet.clientKeyPath,
    '-p', String(port),
    'root@127.0.0.1',
  ];
}

/** Runs `command` (a remote shell string); resolves with its exit code, never rejects on non-zero. */
export function ssh(fleet: Pick<VmFleet, 'knownHostsPath' | 'clientKeyPath'>, port: number, command: string, timeoutMs = 30_000): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    execFile('ssh', [...sshArgs(fleet, port), command], { timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err && typeof err.code !== 'number') {
        reject(new Error(`ssh to port ${port} failed (${err.message}): ${stderr}`));
        return;
      }
      resolve({ code: err ? Number(err.code) : 0, stdout, stderr });
    });
  });
}
