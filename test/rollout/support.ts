// Helpers for rollout tests against the lab: playbooks in temp files, the CLI as a child process
// (its exit code, its --json events, its journal), and the lab's witness (boots, writes).
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startLab, type Lab, type LabHost, type LabOptions } from '../../src/lab/index.js';
import { journalPath, readJournal, replay, type Stamped, type RunState } from '../../src/rollout/journal.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KFLEET = join(ROOT, 'bin', 'kfleet.js');

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface TestLab {
  lab: Lab;
  dir: string;
  stateDir: string;
  common: string[];
}

export async function testLab(opts: LabOptions): Promise<TestLab> {
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-rollout-'));
  const lab = await startLab({ downtimeMs: 300, profile: 'alinux-5.10.134-17', ...opts, stateDir: join(dir, 'lab') });
  return { lab, dir, stateDir: join(dir, 'state'), common: ['-i', lab.inventoryPath, '--known-hosts', lab.knownHostsPath] };
}

/** A boot-time change (sampling at 200 ms, on the command line too), with short timings. */
export function playbook(over: { kfence?: Record<string, unknown>; rollout?: Record<string, unknown>; reboot?: Record<string, unknown>; hosts?: string } = {}): Record<string, unknown> {
  return {
    name: 'rollout test',
    hosts: over.hosts ?? 'lab',
    kfence: { mode: 'sampling', sample_interval: 200, apply: 'both', ...over.kfence },
    rollout: { phases: [1, '100%'], forks: 20, max_fail_percentage: 0, soak: '1s', health: { unexpected_reboot: 'fail', kfence_bugs: 'report' }, ...over.rollout },
    reboot: { allowed: true, max_parallel: 20, timeout: '20s', stable_for: '0s', ...over.reboot },
  };
}

export function writePlaybook(dir: string, play: Record<string, unknown>, name = 'play.yml'): string {
  const p = join(dir, name);
  writeFileSync(p, stringify(play));
  return p;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  events: Array<Record<string, unknown> & { type: string }>;
  pid: number;
}

export interface CliRun {
  done: Promise<CliResult>;
  pid: number;
  /** Resolves with the first event of this type (and matching pred). */
  waitFor(type: string, pred?: (e: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
}

/** `node bin/kfleet.js ...args` as a child process (async: the lab may live in this process). */
export function kfleetStart(args: string[], env: Record<string, string> = {}, cwd = ROOT): CliRun {
  const child = spawn(process.execPath, [KFLEET, ...args], { cwd, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  const events: CliResult['events'] = [];
  const waiters: Array<{ type: string; pred: (e: Record<string, unknown>) => boolean; resolve: (e: Record<string, unknown>) => void }> = [];
  let buf = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      try {
        const e = JSON.parse(line) as CliResult['events'][number];
        events.push(e);
        for (const w of [...waiters]) if (w.type === e.type && w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(e);
        }
      } catch {
        /* not an event */
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<CliResult>((res, rej) => {
    child.on('error', rej);
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr, events, pid: child.pid ?? 0 }));
  });
  return {
    done,
    pid: child.pid ?? 0,
    waitFor(type, pred = () => true, timeoutMs = 60_000) {
      const seen = events.find((e) => e.type === type && pred(e));
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no ${type} event within ${timeoutMs} ms; stderr: ${stderr}`)), timeoutMs);
        waiters.push({ type, pred, resolve: (e) => { clearTimeout(t); res(e); } });
      });
    },
  };
}

export function kfleet(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return kfleetStart(args, env).done;
}

export function runIdOf(r: CliResult): string {
  const e = r.events.find((x) => x.type === 'run.start');
  if (!e) throw new Error(`no run.start event; exit ${r.code}; stderr: ${r.stderr}; stdout: ${r.stdout.slice(0, 2000)}`);
  return String(e.run);
}

export function journalOf(stateDir: string, run: string): { records: Stamped[]; state: RunState } {
  const records = readJournal(journalPath(stateDir, run));
  return { records, state: replay(records) };
}

export function reboots(h: LabHost): number {
  return h.audit.filter((e) => e.kind === 'boot').length - 1;
}

export function writes(h: LabHost): number {
  return h.audit.filter((e) => e.kind === 'write').length;
}

export function mark(lab: Lab): Map<string, { boots: number; writes: number }> {
  return new Map(lab.hosts.map((h) => [h.name, { boots: reboots(h), writes: writes(h) }]));
}
