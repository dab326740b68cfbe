// Helpers for lab tests: run the real OpenSSH client against a lab host (async: the lab's SSH
// servers live in this process, so a blocking spawnSync would deadlock).

import { spawn } from 'node:child_process';
import type { Lab, LabHost } from '../../src/lab/index.js';

export interface SshResult {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

export interface SshOptions {
  user?: 'root' | 'sre';
  tty?: boolean;
  stdin?: string;
  timeoutMs?: number;
  extra?: string[];
}

export function sshArgs(lab: Lab, host: LabHost, opts: SshOptions = {}): string[] {
  return [
    '-i', lab.clientKeyPath,
    '-o', `UserKnownHostsFile=${lab.knownHostsPath}`,
    '-o', 'StrictHostKeyChecking=yes',
    '-o', 'BatchMode=yes',
    '-o', 'IdentitiesOnly=yes',
    '-o', 'ConnectTimeout=5',
    '-o', 'LogLevel=ERROR',
    ...(opts.tty ? ['-tt'] : []),
    ...(opts.extra ?? []),
    '-p', String(host.port),
    `${opts.user ?? 'root'}@127.0.0.1`,
  ];
}

export function ssh(lab: Lab, host: LabHost, command: string, opts: SshOptions = {}): Promise<SshResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('ssh', [...sshArgs(lab, host, opts), command], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 15000);
    child.on('error', reject);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    if (opts.stdin !== undefined) child.stdin.end(opts.stdin);
    else if (!opts.tty) child.stdin.end();
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Set kernel args for the next boot through grubby over SSH, then reboot and wait. */
export async function bootWith(lab: Lab, host: LabHost, args: string, remove = ''): Promise<void> {
  const cmd = `grubby --update-kernel=ALL${args ? ` --args="${args}"` : ''}${remove ? ` --remove-args="${remove}"` : ''}`;
  const r = await ssh(lab, host, cmd);
  if (r.status !== 0) throw new Error(`grubby failed: ${r.stderr}`);
  await host.reboot();
}
