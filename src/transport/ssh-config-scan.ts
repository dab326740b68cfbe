// Can one `ssh -G` answer stand for every host of a run? `ssh -G` costs a process per host (~7-14 ms
// of CPU each: at 1,000 hosts most of the controller's CPU). Its answer for the settings kfleet uses
// is the same for every host, except `host`, `hostname` (the host, lower-cased), `user` and `port`,
// when no setting kfleet reads is conditional on the host. This scan reads the files `ssh -G` reads
// (`-F FILE`, or ~/.ssh/config then /etc/ssh/ssh_config, following Include) and says yes only when:
//   - there is no Match block;
//   - every setting kfleet reads stands before any Host line or in a `Host *` block;
//   - none of them is HostName or Canonicalize*, and no value carries a %-token;
//   - every Include can be followed (a glob only in its last component) and every file parses.
// Anything else (or any doubt) says no, and the caller runs `ssh -G` per host as before.

import { readdir, readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join } from 'node:path';

/** Settings kfleet reads from `ssh -G` (ssh-config.ts fromOptions), plus those that change the host name. */
const READ = new Set([
  'user', 'port', 'identityfile', 'identitiesonly', 'identityagent', 'proxyjump', 'proxycommand',
  'userknownhostsfile', 'globalknownhostsfile', 'stricthostkeychecking', 'connecttimeout',
  'serveraliveinterval', 'serveralivecountmax',
]);
const HOST_CHANGING = /^(hostname|canonicalize\w*|canonicaldomains)$/;
const MAX_DEPTH = 16;

class NotIndependent extends Error {}

/** Split a config line the way readconf.c does: keyword, optional `=`, arguments. Null for blank/comment. */
export function splitConfigLine(line: string): { key: string; args: string[] } | null {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return null;
  const m = /^([^\s=]+)\s*(?:=\s*|\s+|$)(.*)$/.exec(t);
  if (!m) throw new NotIndependent('unparsable line');
  const args: string[] = [];
  const re = /"([^"]*)"|(\S+)/g;
  for (let a; (a = re.exec(m[2] ?? '')); ) args.push(a[1] ?? a[2] ?? '');
  return { key: (m[1] as string).toLowerCase(), args };
}

async function expandInclude(pattern: string, base: string): Promise<string[]> {
  const p = isAbsolute(pattern) ? pattern : join(base, pattern);
  const dir = dirname(p);
  const last = p.slice(dir.length + 1);
  if (/[*?[\]]/.test(dir)) throw new NotIndependent('glob above the last path component');
  if (!/[*?[\]]/.test(last)) return [p];
  if (/[[\]]/.test(last)) throw new NotIndependent('bracket glob');
  const re = new RegExp('^' + last.replace(/[.+^${}()|\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]') + '$');
  const names = await readdir(dir).catch(() => [] as string[]);
  // glob(3) skips dot files unless the pattern starts with a dot, and sorts.
  return names.filter((n) => re.test(n) && (last.startsWith('.') || !n.startsWith('.'))).sort().map((n) => join(dir, n));
}

async function scan(file: string, includeBase: string, unconditional: boolean, depth: number, mustExist: boolean): Promise<void> {
  if (depth > MAX_DEPTH) throw new NotIndependent('Include nested too deep');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !mustExist) return;
    throw new NotIndependent(`cannot read ${file}`);
  }
  let always = unconditional;
  for (const line of text.split('\n')) {
    const l = splitConfigLine(line);
    if (!l) continue;
    if (l.key === 'match') throw new NotIndependent('Match');
    if (l.key === 'host') {
      // `Host *` matches every host. In a file included from a host-specific block nothing is
      // unconditional (readconf.c passes SSHCONF_NEVERMATCH down when the Include is inactive).
      always = unconditional && l.args.length === 1 && l.args[0] === '*';
      continue;
    }
    if (l.key === 'include') {
      for (const pat of l.args) for (const f of await expandInclude(pat, includeBase)) await scan(f, includeBase, always, depth + 1, false);
      continue;
    }
    if (HOST_CHANGING.test(l.key)) throw new NotIndependent(l.key);
    if (READ.has(l.key)) {
      if (!always) throw new NotIndependent(`${l.key} under a host-specific block`);
      if (l.args.some((a) => a.includes('%'))) throw new NotIndependent(`${l.key} with a %-token`);
    }
  }
}

/**
 * True when `ssh -G`'s answer (for the settings kfleet reads) cannot depend on the host name.
 * `home` must be the passwd home directory (OpenSSH does not use $HOME for ~/.ssh/config).
 */
export async function configIsHostIndependent(o: { configFile?: string | undefined; home: string; systemConfig?: string }): Promise<boolean> {
  try {
    if (o.configFile !== undefined) {
      await scan(o.configFile, join(o.home, '.ssh'), true, 0, true);
    } else {
      await scan(join(o.home, '.ssh', 'config'), join(o.home, '.ssh'), true, 0, false);
      const sys = o.systemConfig ?? '/etc/ssh/ssh_config';
      await scan(sys, dirname(sys), true, 0, false);
    }
    return true;
  } catch (e) {
    if (e instanceof NotIndependent) return false;
    throw e;
  }
}

/** Host names for which `ssh -G` only lower-cases: no user@, no IPv6 scope, nothing ssh would parse. */
export function plainHostName(host: string): boolean {
  return /^[A-Za-z0-9._-]+$/.test(host) && !host.startsWith('-');
}
