// Commands that give the lab shell real-shell semantics: the redirection helpers of transform.ts,
// sh/bash (with -s and scripts on stdin), sudo, tee, nohup, kill.

import { defineCommand, type Command, type ExecResult } from 'just-bash';
import { shjoin } from '../../shell-quote.js';
import { ERRNO_TEXT, type Errno } from '../kernel/parse.js';
import type { SessionFs } from '../vfs/session-fs.js';
import { shellName, type Session, type ShellHost } from './context.js';
import { argvReadsStdin } from './stdin.js';

const BUILTINS = new Set(['echo', 'printf', 'pwd', 'type', 'set', 'declare', 'export', 'alias', 'help', 'command', 'builtin', 'times', 'umask', 'jobs', 'read', 'cd', 'true', 'false', ':', 'test', '[']);

const out = (stdout: string, stderr = '', exitCode = 0): ExecResult => ({ stdout, stderr, exitCode });

function errnoOf(e: unknown): Errno | undefined {
  const c = (e as { code?: string }).code;
  return c && c in ERRNO_TEXT ? (c as Errno) : undefined;
}

export function labBuiltins(host: ShellHost, session: Session, fs: SessionFs): Command[] {
  // Over sshd stderr is a pipe, and non-interactive bash then names the line: "bash: line 1: ...".
  const where = (line: string | undefined) => `${shellName(session)}: line ${line ?? '1'}: `;
  const labOpen = defineCommand('__lab_open', async (args, ctx) => {
    const frame: string[] = [];
    for (let i = 1; i + 1 < args.length; i += 2) {
      const shown = args[i + 1]!;
      const path = fs.resolvePath(ctx.cwd, shown);
      const errno = await fs.openForWrite(path);
      if (errno) {
        for (const p of frame) disarm(session, p);
        return out('', `${where(args[0])}${shown}: ${ERRNO_TEXT[errno]}\n`, 1);
      }
      session.armed.set(path, (session.armed.get(path) ?? 0) + 1);
      frame.push(path);
    }
    session.armStack.push(frame);
    return out('');
  });

  const labWstat = defineCommand('__lab_wstat', async (args) => {
    for (const p of session.armStack.pop() ?? []) disarm(session, p);
    const status = Number(args[0] ?? '0');
    const name = args[1] ?? 'bash';
    if (session.pending) {
      const errno = session.pending;
      session.pending = null;
      const prefix = BUILTINS.has(name) ? `${where(args[2])}${name}` : name;
      return out('', `${prefix}: write error: ${ERRNO_TEXT[errno]}\n`, 1);
    }
    return out('', '', Number.isFinite(status) ? status : 1);
  });

  const labBg = defineCommand('__lab_bg', async (args) => {
    host.runBackground(args[0] ?? '', session.uid, session.user);
    return out('');
  });

  const shell = (name: 'sh' | 'bash') =>
    defineCommand(name, async (args, ctx) => {
      let script: string | undefined;
      let fromStdin = false;
      const flags: string[] = [];
      let i = 0;
      for (; i < args.length; i++) {
        const a = args[i]!;
        if (a === '--') {
          i++;
          break;
        }
        if (a === '-o' || a === '+o') {
          i++;
          continue;
        }
        if (a.startsWith('--')) continue;
        if (!/^[-+][a-zA-Z]+$/.test(a)) break;
        for (const c of a.slice(1)) {
          if (c === 'c') script = '';
          else if (c === 's') fromStdin = true;
          else if ('eux'.includes(c)) flags.push(`${a[0]}${c}`);
        }
      }
      let positional: string[];
      let stdin = ctx.stdin as unknown as string;
      if (script !== undefined) {
        script = args[i] ?? '';
        if (args[i] === undefined) return out('', `${name}: -c: option requires an argument\n`, 2);
        positional = args.slice(i + 2);
      } else if (!fromStdin && args[i] !== undefined) {
        try {
          script = await ctx.fs.readFile(ctx.fs.resolvePath(ctx.cwd, args[i]!));
        } catch (e) {
          return out('', `${name}: ${args[i]}: ${ERRNO_TEXT[errnoOf(e) ?? 'ENOENT']}\n`, 127);
        }
        positional = args.slice(i + 1);
      } else {
        script = Buffer.from(stdin, 'latin1').toString('utf8');
        stdin = '';
        positional = args.slice(i);
      }
      const prelude = (flags.length ? `set ${flags.join(' ')}\n` : '') + (positional.length ? `set -- ${shjoin(positional)}\n` : '');
      session.shells.push(name);
      try {
        const r = await ctx.exec!(prelude + script, { cwd: ctx.cwd, stdin, stdinKind: 'bytes', ...(ctx.signal ? { signal: ctx.signal } : {}) });
        return r;
      } finally {
        session.shells.pop();
      }
    });

  const sudo = defineCommand('sudo', async (args, ctx) => {
    let nonInteractive = false;
    let fromStdin = false;
    let prompt: string | undefined;
    let i = 0;
    for (; i < args.length; i++) {
      const a = args[i]!;
      if (a === '--') {
        i++;
        break;
      }
      if (!a.startsWith('-') || a === '-') break;
      if (a.startsWith('--')) {
        if (a === '--non-interactive') nonInteractive = true;
        else if (a === '--stdin') fromStdin = true;
        else if (a.startsWith('--prompt=')) prompt = a.slice(9);
        else if (a === '--prompt' || a === '--user') {
          if (a === '--prompt') prompt = args[i + 1];
          i++;
        }
        continue;
      }
      for (let k = 1; k < a.length; k++) {
        const c = a[k]!;
        if (c === 'n') nonInteractive = true;
        else if (c === 'S') fromStdin = true;
        else if (c === 'p' || c === 'u' || c === 'g' || c === 'C') {
          const val = a.slice(k + 1) || args[++i] || '';
          if (c === 'p') prompt = val;
          if (c === 'u' && val !== 'root' && val !== '0' && val !== '#0') return out('', `sudo: unknown user ${val}\n`, 1);
          break;
        }
      }
    }
    const argv = args.slice(i);
    if (argv.length === 0) return out('', 'usage: sudo -h | -K | -k | -V\nusage: sudo [-AbEHknPS] [-C num] [-D directory] [-g group] [-h host] [-p prompt] [-R directory] [-T timeout] [-u user] [VAR=value] [-i|-s] [<command>]\n', 1);
    let stderr = '';
    if (session.uid !== 0 && host.become === 'sudo-password') {
      if (nonInteractive) return out('', 'sudo: a password is required\n', 1);
      const io = session.io;
      if (!fromStdin && !io?.pty)
        return out('', 'sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n', 1);
      const shown = prompt === undefined ? `[sudo] password for ${session.user}: ` : prompt.replace(/%p|%u/g, session.user).replace(/%H|%h/g, host.name);
      let ok = false;
      for (let attempt = 0; attempt < 3 && !ok; attempt++) {
        if (io) io.writeStderr(shown);
        else stderr += shown;
        const line = io ? await io.readLine() : null;
        if (line === null) return out('', stderr + (attempt === 0 ? '\nsudo: no password was provided\n' : `\nsudo: ${attempt} incorrect password attempt${attempt > 1 ? 's' : ''}\n`), 1);
        ok = host.checkSudoPassword(line.replace(/\r$/, ''));
        if (!ok) {
          const msg = attempt < 2 ? '\nSorry, try again.\n' : '\nsudo: 3 incorrect password attempts\n';
          if (io) io.writeStderr(msg);
          else stderr += msg;
        } else if (io) io.writeStderr('\n');
      }
      if (!ok) return out('', stderr, 1);
    }
    let stdin = ctx.stdin as unknown as string;
    if (fromStdin && session.io && argvReadsStdin(argv)) stdin = Buffer.from(await session.io.readRest(), 'utf8').toString('latin1');
    const saved = { uid: session.uid, user: session.user };
    session.uid = 0;
    session.user = 'root';
    try {
      const r = await ctx.exec!(shjoin(argv), {
        cwd: ctx.cwd,
        stdin,
        stdinKind: 'bytes',
        env: { USER: 'root', LOGNAME: 'root', HOME: saved.uid === 0 ? '/root' : ctx.env.get('HOME') ?? '/root', SUDO_USER: saved.user, SUDO_UID: String(saved.uid) },
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      return { ...r, stderr: stderr + r.stderr };
    } finally {
      session.uid = saved.uid;
      session.user = saved.user;
    }
  });

  const tee = defineCommand('tee', async (args, ctx) => {
    const append = args.includes('-a') || args.includes('--append');
    const files = args.filter((a) => !a.startsWith('-') || a === '-');
    const data = ctx.stdin as unknown as string;
    let stderr = '';
    let code = 0;
    for (const f of files) {
      const path = ctx.fs.resolvePath(ctx.cwd, f);
      const openErr = await fs.openForWrite(path);
      if (openErr) {
        stderr += `tee: ${f}: ${ERRNO_TEXT[openErr]}\n`;
        code = 1;
        continue;
      }
      try {
        if (append) await ctx.fs.appendFile(path, Buffer.from(data, 'latin1'));
        else await ctx.fs.writeFile(path, Buffer.from(data, 'latin1'));
      } catch (e) {
        stderr += `tee: ${f}: ${ERRNO_TEXT[errnoOf(e) ?? 'EIO']}\n`;
        code = 1;
      }
    }
    return { stdout: data, stdoutKind: 'bytes', stderr, exitCode: code };
  });

  const nohup = defineCommand('nohup', async (args, ctx) => {
    if (args.length === 0) return out('', "nohup: missing operand\nTry 'nohup --help' for more information.\n", 125);
    return ctx.exec!(shjoin(args), { cwd: ctx.cwd, stdin: '', ...(ctx.signal ? { signal: ctx.signal } : {}) });
  });

  const kill = defineCommand('kill', async (args) => {
    let sig = 'TERM';
    const pids: string[] = [];
    for (const a of args) {
      if (/^-\d+$/.test(a)) sig = ({ '9': 'KILL', '15': 'TERM', '2': 'INT', '1': 'HUP' } as Record<string, string>)[a.slice(1)] ?? 'TERM';
      else if (/^-(s\s*)?[A-Z]+$/.test(a)) sig = a.replace(/^-(s\s*)?(SIG)?/, '');
      else pids.push(a);
    }
    const self = pids.filter((p) => p === '1000' || p === '$$');
    if (self.length > 0) {
      session.killedBy = sig;
      session.abort();
      return out('', '', 128 + (sig === 'KILL' ? 9 : 15));
    }
    return out('', pids.map((p) => `bash: kill: (${p}) - No such process\n`).join(''), 1);
  });

  /** cat with the real errno in its messages (just-bash's reports every failure as ENOENT). */
  const cat = defineCommand('cat', async (args, ctx) => {
    if (args.some((a) => a.startsWith('-') && a !== '-' && a !== '--') && ctx.origCommand) return ctx.origCommand(args);
    const files = args.filter((a) => a !== '--');
    if (files.length === 0) return { stdout: ctx.stdin as unknown as string, stdoutKind: 'bytes', stderr: '', exitCode: 0 };
    let stdout = '';
    let stderr = '';
    let code = 0;
    for (const f of files) {
      if (f === '-') {
        stdout += ctx.stdin as unknown as string;
        continue;
      }
      try {
        stdout += Buffer.from(await ctx.fs.readFileBuffer(ctx.fs.resolvePath(ctx.cwd, f))).toString('latin1');
      } catch (e) {
        stderr += `cat: ${f}: ${ERRNO_TEXT[errnoOf(e) ?? 'ENOENT']}\n`;
        code = 1;
      }
    }
    return { stdout, stdoutKind: 'bytes', stderr, exitCode: code };
  });

  return [labOpen, labWstat, labBg, shell('sh'), shell('bash'), sudo, tee, nohup, kill, cat];
}

function disarm(s: Session, p: string): void {
  const n = (s.armed.get(p) ?? 1) - 1;
  if (n <= 0) s.armed.delete(p);
  else s.armed.set(p, n);
}
