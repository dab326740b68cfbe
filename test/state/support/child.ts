// Child processes for the state tests: their output lines, awaited by content.
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface Child {
  proc: ChildProcess;
  lines: string[];
  waitLine(re: RegExp, timeoutMs?: number): Promise<string>;
  exited: Promise<number | null>;
}

export function startChild(script: string, args: string[], env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx/esm', join(ROOT, script), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let buf = '';
  let err = '';
  const waiters: Array<{ re: RegExp; res: (l: string) => void }> = [];
  proc.stdout!.on('data', (d: Buffer) => {
    buf += d;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const l = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      lines.push(l);
      for (const w of [...waiters]) if (w.re.test(l)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.res(l);
      }
    }
  });
  proc.stderr!.on('data', (d: Buffer) => (err += d));
  const exited = new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
  return {
    proc,
    lines,
    exited,
    waitLine(re, timeoutMs = 30_000) {
      const seen = lines.find((l) => re.test(l));
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`no line matching ${re} within ${timeoutMs} ms; got ${lines.slice(-5).join(' | ')}; stderr ${err.slice(-2000)}`)), timeoutMs);
        waiters.push({ re, res: (l) => (clearTimeout(t), res(l)) });
      });
    },
  };
}
