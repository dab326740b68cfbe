// Shared helpers for the end-to-end tests: run the real CLI in-process (main) with stdout/stderr
// captured, write lab-sized copies of the example playbooks, and read the lab's audit trail.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { main } from '../../src/cli/main.js';
import type { AuditWrite, LabHost } from '../../src/lab/index.js';

export const ROOT = resolve(import.meta.dirname, '..', '..');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run `kfleet ARGS` in this process, capturing what it prints. `env` is set only for the call; `onStdout` sees each chunk as it is printed. */
export async function kfleet(args: string[], env: Record<string, string> = {}, onStdout?: (chunk: string) => void): Promise<CliResult> {
  const out: string[] = [];
  const err: string[] = [];
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const grab = (sink: string[]) => ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stdout.write;
  process.stdout.write = grab(out);
  if (onStdout) {
    const g = process.stdout.write;
    process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const r = (g as (c: string | Uint8Array, ...x: unknown[]) => boolean)(chunk, ...rest);
      onStdout(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return r;
    }) as typeof process.stdout.write;
  }
  process.stderr.write = grab(err);
  Object.assign(process.env, env);
  process.exitCode = undefined;
  let code: number;
  try {
    code = await main(args);
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
    process.exitCode = undefined;
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  return { code, stdout: out.join(''), stderr: err.join('') };
}

/** NDJSON events printed by --json. */
export function events(stdout: string): Array<Record<string, unknown> & { type: string }> {
  return stdout
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown> & { type: string });
}

export const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `kfleet-e2e-${prefix}-`));

/**
 * A copy of an example playbook for the lab: hosts set to `hosts`, one phase, no soak, a short
 * reboot timeout; everything under `kfence:` stays as the example has it (plus `extra`).
 */
export function labPlaybook(dir: string, example: string, hosts: string, extra: { kfence?: Record<string, unknown>; reboot?: Record<string, unknown> } = {}): string {
  const doc = parse(readFileSync(join(ROOT, 'playbooks', example), 'utf8')) as Record<string, unknown>;
  doc.hosts = hosts;
  doc.kfence = { ...(doc.kfence as Record<string, unknown>), ...extra.kfence };
  doc.rollout = { phases: ['100%'], forks: 20, max_fail_percentage: 100, soak: '0s', promote: 'auto', health: { unexpected_reboot: 'report', kfence_bugs: 'report' } };
  doc.reboot = { allowed: true, max_parallel: 10, timeout: '30s', stable_for: '0s', ...extra.reboot };
  const file = join(dir, example);
  writeFileSync(file, stringify(doc));
  return file;
}

export const writes = (h: LabHost, since = 0): AuditWrite[] => h.audit.slice(since).filter((e): e is AuditWrite => e.kind === 'write');
export const auditMark = (hosts: LabHost[]): Map<string, number> => new Map(hosts.map((h) => [h.name, h.audit.length]));
export const writesSince = (hosts: LabHost[], mark: Map<string, number>): Array<AuditWrite & { host: string }> =>
  hosts.flatMap((h) => writes(h, mark.get(h.name) ?? 0).map((w) => ({ ...w, host: h.name })));
