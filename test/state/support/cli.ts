// kfleet as a child process in a given working directory, with its --json events.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { ROOT } from './child.js';

export const KFLEET = join(ROOT, 'bin', 'kfleet.js');

export interface Cli {
  pid: number;
  events: Array<Record<string, unknown> & { type: string }>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  waitFor(pred: (e: Record<string, unknown> & { type: string }) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  kill(sig: NodeJS.Signals): void;
}

export function cli(args: string[], cwd: string, env: Record<string, string> = {}): Cli {
  const child = spawn(process.execPath, [KFLEET, ...args], { cwd, env: { ...process.env, CI: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let buf = '';
  const events: Cli['events'] = [];
  const waiters: Array<{ pred: (e: Cli['events'][number]) => boolean; res: (e: Record<string, unknown>) => void }> = [];
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      if (!line.startsWith('{')) continue;
      try {
        const e = JSON.parse(line) as Cli['events'][number];
        events.push(e);
        for (const w of [...waiters]) if (w.pred(e)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.res(e);
        }
      } catch {
        /* not an event */
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((res) => child.on('close', (code, signal) => res({ code, signal, stdout, stderr })));
  return {
    pid: child.pid ?? 0,
    events,
    done,
    kill: (sig) => child.kill(sig),
    waitFor(pred, timeoutMs = 120_000) {
      const seen = events.find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no matching event within ${timeoutMs} ms; stderr: ${stderr.slice(-2000)}`)), timeoutMs);
        waiters.push({ pred, res: (e) => (clearTimeout(t), res(e)) });
      });
    },
  };
}
