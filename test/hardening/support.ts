// Shared helpers for the hardening suite: a lab that witnesses every write, kfleet's CLI run
// in-process (main()) with its output captured, or as a child process (bin/kfleet.js) with its
// --json events streamed to a callback.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab, type LabOptions } from '../../src/lab/index.js';

export const ROOT = join(import.meta.dirname, '..', '..');
export const BAD = join(ROOT, 'test', 'fixtures', 'bad');
export const CANARY = '/tmp/pwned';

const ANSI = /\x1b\[[0-9;]*m/g;
export const stripAnsi = (s: string): string => s.replace(ANSI, '');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * kfleet's main() in this process, with stdout/stderr captured. Calls are serialised (the CLI
 * uses process.exitCode and the process streams).
 */
let chain: Promise<unknown> = Promise.resolve();
export function cli(args: string[]): Promise<CliResult> {
  const run = async (): Promise<CliResult> => {
    const { main } = await import('../../src/cli/main.js');
    const out: string[] = [];
    const err: string[] = [];
    const ow = process.stdout.write.bind(process.stdout);
    const ew = process.stderr.write.bind(process.stderr);
    process.stdout.write = ((c: string | Uint8Array) => (out.push(String(c)), true)) as typeof process.stdout.write;
    process.stderr.write = ((c: string | Uint8Array) => (err.push(String(c)), true)) as typeof process.stderr.write;
    process.exitCode = undefined;
    try {
      const code = await main(args);
      return { code, stdout: stripAnsi(out.join('')), stderr: stripAnsi(err.join('')) };
    } finally {
      process.stdout.write = ow;
      process.stderr.write = ew;
      process.exitCode = undefined;
    }
  };
  const p = chain.then(run, run);
  chain = p.catch(() => undefined);
  return p;
}

export interface SpawnedCli extends CliResult {
  events: Array<Record<string, unknown>>;
  pid: number;
}

/** `node bin/kfleet.js ARGS` as a user runs it; onEvent sees each NDJSON line of stdout as it comes. */
export function spawnCli(
  args: string[],
  opts: { env?: Record<string, string>; onEvent?: (e: Record<string, unknown>) => void; onSpawn?: (pid: number) => void; timeoutMs?: number } = {},
): Promise<SpawnedCli> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kfleet.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    opts.onSpawn?.(child.pid!);
    let stdout = '';
    let stderr = '';
    let partial = '';
    const events: Array<Record<string, unknown>> = [];
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 90_000);
    child.stdout.on('data', (c: Buffer) => {
      const s = c.toString('utf8');
      stdout += s;
      partial += s;
      let i;
      while ((i = partial.indexOf('\n')) >= 0) {
        const line = partial.slice(0, i);
        partial = partial.slice(i + 1);
        if (!line.startsWith('{')) continue;
        try {
          const e = JSON.parse(line) as Record<string, unknown>;
          events.push(e);
          opts.onEvent?.(e);
        } catch {
          /* not an event line */
        }
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : -1), stdout, stderr, events, pid: child.pid! });
    });
  });
}

export interface TestLab extends Lab {
  dir: string;
  /** Writes on every host since the lab started (boots excluded). */
  writes(): Array<{ host: string; path: string; value: string; ok: boolean }>;
  /** Common CLI arguments that point at this lab. */
  args(): string[];
  /** True when the canary file exists on any lab host or on this machine. */
  canaryFound(): Promise<string[]>;
  cleanup(): Promise<void>;
}

export async function testLab(opts: LabOptions = {}): Promise<TestLab> {
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-hardening-'));
  const lab = await startLab({ hosts: 2, downtimeMs: 200, stateDir: join(dir, 'lab'), ...opts });
  const t: TestLab = Object.assign(lab, {
    dir,
    writes: () =>
      lab.hosts.flatMap((h) =>
        h.audit.filter((a): a is Extract<typeof a, { kind: 'write' }> => a.kind === 'write').map((a) => ({ host: h.name, path: a.path, value: a.value, ok: a.ok })),
      ),
    args: () => ['-i', lab.inventoryPath, '--known-hosts', lab.knownHostsPath, '--state-dir', join(dir, 'state'), '--connect-timeout', '5', '--command-timeout', '20'],
    canaryFound: async () => {
      const found: string[] = [];
      if (existsSync(CANARY)) found.push('controller');
      for (const h of lab.hosts) {
        const ok = await h.readFile(CANARY).then(
          () => true,
          () => false,
        );
        if (ok) found.push(h.name);
      }
      return found;
    },
    cleanup: async () => {
      await lab.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  });
  return t;
}

/** Write a playbook into dir and return its path. */
export function writePlaybook(dir: string, name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

/** A runtime-only sampling playbook over the lab group (no reboot). */
export const RUNTIME_PLAY = `name: hardening runtime
hosts: lab
kfence:
  mode: sampling
  sample_interval: 150
  apply: runtime
rollout:
  phases: ["100%"]
  forks: 4
  soak: 0s
`;

export function tmp(prefix = 'kfleet-hz-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
