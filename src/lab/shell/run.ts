// Run one command line on a lab host as root or sre: a fresh just-bash interpreter per exec (about
// 1.4 ms, 130 KB, garbage after the command), over the session's file system, with the lab's
// commands and the redirection transform.

import { Bash } from 'just-bash';
import { SessionFs } from '../vfs/session-fs.js';
import { labBuiltins } from './builtins.js';
import { sysinfoCommands } from './sysinfo.js';
import { grubbyCommand } from './grubby.js';
import { grubCommands } from './grub.js';
import { systemdCommands } from './systemd.js';
import { sysctlCommands } from './sysctl.js';
import { grubEnvCommands } from './grubenv.js';
import { GRUBENV } from '../vfs/disk.js';
import { DEBIAN_GRUBENV } from './grub.js';
import { redirectPlugin } from './transform.js';
import type { LiveIO, Session, ShellHost } from './context.js';

export interface RunOptions {
  user: 'root' | 'sre';
  script: string;
  stdin?: string;
  io?: LiveIO;
  signal?: AbortSignal;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Set when the shell died of a signal (e.g. TERM, KILL). */
  signal?: string;
}

export async function runScript(host: ShellHost, opts: RunOptions): Promise<RunResult> {
  const uid = opts.user === 'root' ? 0 : 1000;
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const session: Session = {
    uid,
    user: opts.user,
    armed: new Map(),
    pending: null,
    shells: ['bash'],
    armStack: [],
    io: opts.io,
    signal: ac.signal,
    killedBy: undefined,
    abort: () => ac.abort(),
  };
  const fs = new SessionFs(host.fsBackend, session);
  const home = uid === 0 ? '/root' : '/home/sre';
  const bash = new Bash({
    fs,
    cwd: home,
    env: { HOME: home, USER: opts.user, LOGNAME: opts.user, SHELL: '/bin/bash', PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', HOSTNAME: host.name, LANG: 'C.UTF-8' },
    processInfo: { pid: 1000, ppid: 999, uid, gid: uid },
    customCommands: [...labBuiltins(host, session, fs), ...sysinfoCommands(host, session), ...(host.profile.bootloader === 'debian-grub' ? [...grubCommands(), ...grubEnvCommands('grub', DEBIAN_GRUBENV)] : [grubbyCommand(), ...grubEnvCommands('grub2', GRUBENV)]), ...systemdCommands(host, session), ...sysctlCommands(host, session).filter((c) => c.name !== 'kdumpctl' || host.profile.bootloader !== 'debian-grub')],
    sleep: (ms) =>
      new Promise<void>((resolve) => {
        const t = setTimeout(resolve, ms);
        ac.signal.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      }),
    // The lab runs the controller's own commands, not untrusted code; the host-side sleep needs timers.
    defenseInDepth: false,
    executionLimits: { maxCommandCount: 1_000_000, maxLoopIterations: 1_000_000 },
  });
  bash.registerTransformPlugin(redirectPlugin);
  try {
    const r = await bash.exec(opts.script, { stdin: opts.stdin ?? '', signal: ac.signal, rawScript: true });
    const res: RunResult = { stdout: r.stdout, stderr: r.stderr, exitCode: r.exitCode };
    if (session.killedBy) res.signal = session.killedBy;
    return res;
  } catch (e) {
    return { stdout: '', stderr: `bash: ${(e as Error).message}\n`, exitCode: 1 };
  } finally {
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
