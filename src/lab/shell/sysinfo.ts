// uname, id, whoami, hostname, getconf, nproc, dmesg, journalctl, sync, mktemp, chown.

import { defineCommand, type Command, type ExecResult } from 'just-bash';
import { stamp } from '../kernel/dmesg.js';
import type { Session, ShellHost } from './context.js';

const out = (stdout: string, stderr = '', exitCode = 0): ExecResult => ({ stdout, stderr, exitCode });

export function sysinfoCommands(host: ShellHost, session: Session): Command[] {
  const p = host.profile;
  const uname = defineCommand('uname', async (args) => {
    const flags = args.join('').replace(/-/g, '') || 's';
    const all = flags.includes('a');
    const parts: string[] = [];
    if (all || flags.includes('s')) parts.push('Linux');
    if (all || flags.includes('n')) parts.push(host.name);
    if (all || flags.includes('r')) parts.push(p.release);
    if (all || flags.includes('v')) parts.push(p.kernelBuild);
    if (all || flags.includes('m')) parts.push(p.arch);
    if (all || flags.includes('p')) parts.push(p.arch);
    if (all || flags.includes('i')) parts.push(p.arch);
    if (all || flags.includes('o')) parts.push('GNU/Linux');
    return out(parts.join(' ') + '\n');
  });

  const id = defineCommand('id', async (args) => {
    const name = session.user;
    const uid = session.uid;
    const groups = uid === 0 ? '0(root)' : '1000(sre),10(wheel)';
    const n = args.some((a) => a === '-n' || /^-[ugG]*n/.test(a));
    if (args.some((a) => /^-[^-]*u/.test(a))) return out(`${n ? name : uid}\n`);
    if (args.some((a) => /^-[^-]*g/.test(a))) return out(`${n ? name : uid}\n`);
    if (args.some((a) => /^-[^-]*G/.test(a))) return out(uid === 0 ? (n ? 'root\n' : '0\n') : n ? 'sre wheel\n' : '1000 10\n');
    return out(`uid=${uid}(${name}) gid=${uid}(${name}) groups=${groups}\n`);
  });

  const whoami = defineCommand('whoami', async () => out(`${session.user}\n`));
  const hostname = defineCommand('hostname', async () => out(`${host.name}\n`));
  const nproc = defineCommand('nproc', async () => out(`${host.cpus()}\n`));
  const sync = defineCommand('sync', async () => out(''));

  const getconf = defineCommand('getconf', async (args) => {
    const v: Record<string, string> = { PAGESIZE: String(p.pageSize), PAGE_SIZE: String(p.pageSize), _NPROCESSORS_ONLN: String(host.cpus()), _NPROCESSORS_CONF: String(host.cpus()), LONG_BIT: '64' };
    const k = args[0] ?? '';
    if (!(k in v)) return out('', `getconf: Unrecognized variable '${k}'\n`, 1);
    return out(v[k] + '\n');
  });

  const dmesg = defineCommand('dmesg', async (args) => {
    const restricted = p.flavor !== 'alinux';
    if (restricted && session.uid !== 0) return out('', 'dmesg: read kernel buffer failed: Operation not permitted\n', 1);
    const log = host.kernelLog();
    const noTime = args.includes('-t') || args.includes('--notime');
    const text = log.lines.map((l) => (noTime ? '' : stamp(l.at)) + l.text + '\n').join('');
    if (args.includes('-C') || args.includes('--clear') || args.includes('-c') || args.includes('--read-clear')) {
      if (session.uid !== 0) return out('', 'dmesg: klogctl failed: Operation not permitted\n', 1);
      log.lines.length = 0;
      return out(args.includes('-C') || args.includes('--clear') ? '' : text);
    }
    return out(text);
  });

  const journalctl = defineCommand('journalctl', async (args) => {
    const boots = host.boots();
    if (args.includes('--list-boots')) {
      const lines = boots.map((b, i) => {
        const off = i - (boots.length - 1);
        return `${String(off).padStart(3)} ${b.bootId.replace(/-/g, '')} ${new Date(b.startedAt).toUTCString()}—${new Date(b.endedAt ?? Date.now()).toUTCString()}`;
      });
      return out(lines.join('\n') + '\n');
    }
    let offset = 0;
    let byId: string | null = null;
    const bi = args.findIndex((a) => a === '-b' || a === '--boot' || a.startsWith('-b') || a.startsWith('--boot='));
    if (bi >= 0) {
      const a = args[bi]!;
      const val = a.startsWith('--boot=') ? a.slice(7) : a.length > 2 && !a.startsWith('--') ? a.slice(2) : args[bi + 1];
      if (val !== undefined && /^-?\d+$/.test(val)) offset = Number(val);
      else if (val !== undefined && /^[0-9a-f-]{32,36}$/.test(val)) byId = val.replace(/-/g, '');
    }
    const b = byId !== null ? boots.find((x) => x.bootId.replace(/-/g, '') === byId) : boots[boots.length - 1 + (offset <= 0 ? offset : offset - boots.length)];
    if (!b) return out('', `Data from the specified boot (${byId ?? offset}) is not available: No such boot ID in journal\n`, 1);
    const mono = args.includes('short-monotonic') || args.includes('-o') && args[args.indexOf('-o') + 1] === 'short-monotonic';
    const lines = b.log.lines.slice(0, b.journalLines ?? b.log.lines.length).map((l) => {
      const when = new Date(b.startedAt + l.at);
      const ts = mono ? stamp(l.at).trim() : when.toUTCString().slice(8, 11) + ' ' + when.toISOString().slice(8, 10) + ' ' + when.toISOString().slice(11, 19);
      return `${ts} ${host.name} kernel: ${l.text}`;
    });
    return out(lines.length ? lines.join('\n') + '\n' : '-- No entries --\n');
  });

  const mktemp = defineCommand('mktemp', async (args, ctx) => {
    const dir = args.includes('-d');
    const tmpl = args.find((a) => !a.startsWith('-')) ?? 'tmp.XXXXXXXXXX';
    const name = tmpl.replace(/X+$/, (x) => Array.from({ length: x.length }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join(''));
    const path = name.startsWith('/') ? name : `/tmp/${name}`;
    try {
      if (dir) await ctx.fs.mkdir(path);
      else await ctx.fs.writeFile(path, '');
    } catch {
      return out('', `mktemp: failed to create ${dir ? 'directory' : 'file'} via template '${tmpl}': Permission denied\n`, 1);
    }
    return out(path + '\n');
  });

  const chown = defineCommand('chown', async (args, ctx) => {
    const files = args.filter((a) => !a.startsWith('-')).slice(1);
    for (const f of files) {
      if (!(await ctx.fs.exists(ctx.fs.resolvePath(ctx.cwd, f)))) return out('', `chown: cannot access '${f}': No such file or directory\n`, 1);
      if (session.uid !== 0) return out('', `chown: changing ownership of '${f}': Operation not permitted\n`, 1);
    }
    return out('');
  });

  return [uname, id, whoami, hostname, nproc, sync, getconf, dmesg, journalctl, mktemp, chown];
}
