// ~/.ssh/config resolution. Preferred: `ssh -G` (exact OpenSSH semantics: Include, Match, tokens,
// defaults). Fallback when no OpenSSH client is installed: the ssh-config parser with Match exec
// disabled, plus the defaults and `~`/%-token expansion it lacks. Inventory variables override both
// (see connect-plan.ts).
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { homedir, userInfo } from 'node:os';
import { delimiter, join } from 'node:path';
import { access, constants } from 'node:fs/promises';
import SSHConfig from 'ssh-config';
import { configIsHostIndependent, plainHostName } from './ssh-config-scan.js';

export interface ResolvedSshConfig {
  hostname: string;
  user: string;
  port: number;
  /** Paths with `~` expanded; may include defaults that do not exist. */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** IdentityAgent socket path, 'none', or undefined (use SSH_AUTH_SOCK). */
  identityAgent: string | undefined;
  /** ProxyJump value, undefined when not set (or 'none'). */
  proxyJump: string | undefined;
  proxyCommand: string | undefined;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** yes | ask | accept-new | no | off (raw, lower case). */
  strictHostKeyChecking: string | undefined;
  connectTimeoutS: number | undefined;
  serverAliveIntervalS: number | undefined;
  serverAliveCountMax: number | undefined;
}

export interface SshConfigResolver {
  readonly kind: 'ssh-G' | 'parser';
  /** Resolve the settings for `host` as `ssh [-l user] [-p port] host` would. */
  resolve(host: string, opts?: { user?: string | undefined; port?: number | undefined }): Promise<ResolvedSshConfig>;
}

export class SshConfigError extends Error {}

export function expandTilde(p: string, home = homedir()): string {
  return p === '~' ? home : p.startsWith('~/') ? join(home, p.slice(2)) : p;
}

const num = (v: string | undefined): number | undefined => {
  if (v === undefined || v === 'none') return undefined;
  const n = Number(v);
  return Number.isFinite(n) ? n : undefined;
};

/** Turn `ssh -G`-style key → values (lower-case keys) into a ResolvedSshConfig. */
export function fromOptions(host: string, o: Map<string, string[]>, home = homedir()): ResolvedSshConfig {
  const one = (k: string): string | undefined => o.get(k)?.[0];
  const list = (k: string): string[] => (o.get(k) ?? []).flatMap((v) => v.split(/\s+/)).filter(Boolean);
  const jump = one('proxyjump');
  const pc = one('proxycommand');
  return {
    hostname: one('hostname') ?? host,
    user: one('user') ?? userInfo().username,
    port: num(one('port')) ?? 22,
    identityFiles: (o.get('identityfile') ?? []).map((p) => expandTilde(p, home)),
    identitiesOnly: one('identitiesonly')?.toLowerCase() === 'yes',
    identityAgent: one('identityagent') === undefined ? undefined : expandTilde(one('identityagent') as string, home),
    proxyJump: jump && jump.toLowerCase() !== 'none' ? jump : undefined,
    proxyCommand: pc && pc.toLowerCase() !== 'none' ? pc : undefined,
    userKnownHostsFiles: list('userknownhostsfile').map((p) => expandTilde(p, home)),
    globalKnownHostsFiles: list('globalknownhostsfile').map((p) => expandTilde(p, home)),
    strictHostKeyChecking: one('stricthostkeychecking')?.toLowerCase(),
    connectTimeoutS: num(one('connecttimeout')),
    serverAliveIntervalS: num(one('serveraliveinterval')) || undefined,
    serverAliveCountMax: num(one('serveralivecountmax')),
  };
}

export function parseSshG(out: string): Map<string, string[]> {
  const m = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const i = line.indexOf(' ');
    if (i <= 0) continue;
    const k = line.slice(0, i).toLowerCase();
    const v = line.slice(i + 1).trim();
    m.set(k, [...(m.get(k) ?? []), v]);
  }
  return m;
}

/**
 * `ssh -G [-F file] [-l user] [-p port] -- host`, run without a shell, 5 s timeout, cached per query.
 * With `hostIndependent` (ssh-config-scan.ts found no host-specific setting kfleet reads), one
 * answer per user (and per port given or not) stands for every plain host name: its `host` and
 * `hostname` (lower-cased, as ssh does) and `port` are replaced, everything else is ssh's own output.
 */
export function sshGResolver(opts: { configFile?: string | undefined; sshPath?: string; hostIndependent?: boolean } = {}): SshConfigResolver {
  const cache = new Map<string, Promise<Map<string, string[]>>>();
  const ssh = opts.sshPath ?? 'ssh';
  const run = (host: string, q: { user?: string | undefined; port?: number | undefined }, key: string): Promise<Map<string, string[]>> => {
    const argv = ['-G'];
    if (opts.configFile) argv.push('-F', opts.configFile);
    if (q.user) argv.push('-l', q.user);
    if (q.port) argv.push('-p', String(q.port));
    argv.push('--', host);
    let p = cache.get(key);
    if (!p) {
      p = new Promise<Map<string, string[]>>((resolve, reject) => {
        execFile(ssh, argv, { timeout: 5000, maxBuffer: 1 << 20, stdio: ['ignore', 'pipe', 'pipe'] } as never, (err, stdout, stderr) => {
          if (err) {
            reject(new SshConfigError(`ssh -G ${host} failed: ${String(stderr).trim().split('\n').pop() || err.message}`));
            return;
          }
          resolve(parseSshG(String(stdout)));
        });
      });
      cache.set(key, p);
    }
    return p;
  };
  return {
    kind: 'ssh-G',
    async resolve(host, q = {}) {
      if (host.startsWith('-')) throw new SshConfigError(`invalid host name ${JSON.stringify(host)}`);
      if (opts.hostIndependent && plainHostName(host)) {
        const template = await run(host, q, `T\0${q.user ?? ''}\0${q.port ? 'p' : ''}`);
        const o = new Map(template);
        o.set('host', [host]);
        o.set('hostname', [host.toLowerCase()]);
        if (q.port) o.set('port', [String(q.port)]);
        return fromOptions(host, o);
      }
      return fromOptions(host, await run(host, q, `H\0${q.user ?? ''}\0${q.port ?? ''}\0${host}`));
    },
  };
}

/** Expand the ssh_config(5) tokens the fallback supports: %h %p %r %u %d %n %%. */
export function expandTokens(v: string, t: { host: string; original: string; port: number; user: string }): string {
  return v.replace(/%([hprudn%])/g, (_, c: string) =>
    c === 'h' ? t.host : c === 'p' ? String(t.port) : c === 'r' ? t.user : c === 'u' ? userInfo().username
      : c === 'd' ? homedir() : c === 'n' ? t.original : '%');
}

/** The ssh-config parser with OpenSSH's defaults filled in. Include is not followed (a known limit). */
export function parserResolver(opts: { configFile?: string | undefined; home?: string } = {}): SshConfigResolver {
  const home = opts.home ?? homedir();
  const file = opts.configFile ?? join(home, '.ssh', 'config');
  let parsed: Promise<SSHConfig> | undefined;
  const load = (): Promise<SSHConfig> =>
    (parsed ??= readFile(file, 'utf8').then(
      (t) => SSHConfig.parse(t),
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'ENOENT' && opts.configFile === undefined) return SSHConfig.parse('');
        throw new SshConfigError(`cannot read ssh config ${file}: ${e.code ?? e.message}`);
      },
    ));
  return {
    kind: 'parser',
    async resolve(host, q = {}) {
      const cfg = await load();
      const computed = cfg.compute(q.user ? { Host: host, User: q.user } : { Host: host }, { ignoreCase: true, matchExec: false });
      const o = new Map<string, string[]>();
      for (const [k, v] of Object.entries(computed)) o.set(k.toLowerCase(), Array.isArray(v) ? v : [v]);
      if (q.user) o.set('user', [q.user]);
      if (q.port) o.set('port', [String(q.port)]);
      const user = o.get('user')?.[0] ?? userInfo().username;
      const port = num(o.get('port')?.[0]) ?? 22;
      const hostname = expandTokens(o.get('hostname')?.[0] ?? host, { host, original: host, port, user });
      const tok = { host: hostname, original: host, port, user };
      const exp = (k: string, dflt: string[]): void => {
        o.set(k, (o.get(k) ?? dflt).map((v) => expandTokens(v, tok)));
      };
      o.set('hostname', [hostname]);
      exp('identityfile', ['~/.ssh/id_rsa', '~/.ssh/id_ecdsa', '~/.ssh/id_ed25519']);
      exp('userknownhostsfile', ['~/.ssh/known_hosts ~/.ssh/known_hosts2']);
      exp('globalknownhostsfile', ['/etc/ssh/ssh_known_hosts /etc/ssh/ssh_known_hosts2']);
      return fromOptions(host, o, home);
    },
  };
}

async function onPath(cmd: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    try {
      await access(join(dir, cmd), constants.X_OK);
      return true;
    } catch {
      /* next */
    }
  }
  return false;
}

/** `ssh -G` when an OpenSSH client is on PATH (once per run when the config allows it), the parser otherwise. */
export async function defaultSshConfigResolver(opts: { configFile?: string | undefined } = {}): Promise<SshConfigResolver> {
  if (!(await onPath('ssh'))) return parserResolver(opts);
  const hostIndependent = await configIsHostIndependent({ configFile: opts.configFile, home: userInfo().homedir });
  return sshGResolver({ ...opts, hostIndependent });
}
