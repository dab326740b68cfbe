// OpenSSH known_hosts files, parsed and matched the way ssh(1) does (sshd(8) "SSH_KNOWN_HOSTS FILE
// FORMAT"). No maintained npm package exists (ts-stack.md §2). Pure functions, except
// loadKnownHosts which reads files (missing = empty, unreadable = fail closed).
import { createHmac, randomBytes } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  /** Raw host field: comma-separated patterns, or one `|1|salt|hash`. */
  hosts: string;
  keyType: string;
  /** The key blob (SSH wire format), base64-decoded. */
  key: Buffer;
}

/** The name known_hosts stores for a host: `host`, or `[host]:port` when the port is not 22. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = (lines[i] ?? '').trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const f = raw.split(/[ \t]+/);
    let marker: KnownHostEntry['marker'] = null;
    if (f[0]?.startsWith('@')) {
      const m = f.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else continue; // unknown marker: OpenSSH ignores the line
    }
    const [hosts, keyType, b64] = f;
    if (!hosts || !keyType || !b64 || !/^[A-Za-z0-9+/]+={0,2}$/.test(b64)) continue; // malformed: skipped, like ssh
    out.push({ file, line: i + 1, marker, hosts, keyType, key: Buffer.from(b64, 'base64') });
  }
  return out;
}

const patternCache = new Map<string, RegExp>();

/** OpenSSH match_pattern: `*` and `?` wildcards, case-insensitive. Compiled patterns are cached. */
export function wildcardMatch(pattern: string, name: string): boolean {
  if (!/[*?]/.test(pattern)) return pattern.toLowerCase() === name.toLowerCase();
  let re = patternCache.get(pattern);
  if (!re) {
    re = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
    if (patternCache.size >= 4096) patternCache.clear();
    patternCache.set(pattern, re);
  }
  return re.test(name);
}

export function hashHostName(name: string, salt: Buffer): string {
  return createHmac('sha1', salt).update(name).digest('base64');
}

/** Whether an entry's host field covers `name` (already in known_hosts form, see knownHostName). */
export function hostFieldMatches(hosts: string, name: string): boolean {
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (!salt || !hash) return false;
    return hashHostName(name, Buffer.from(salt, 'base64')) === hash;
  }
  let positive = false;
  for (const p of hosts.split(',')) {
    if (p.startsWith('!')) {
      if (wildcardMatch(p.slice(1), name)) return false; // a negated match wins over everything
    } else if (wildcardMatch(p, name)) positive = true;
  }
  return positive;
}

export type HostKeyVerdict =
  | { kind: 'match'; entry: KnownHostEntry }
  | { kind: 'revoked'; entry: KnownHostEntry }
  /** The host is known, but with other keys: the presented key is in none of these lines. */
  | { kind: 'changed'; known: KnownHostEntry[] }
  /** Nothing covers the host; `certAuthority` is set when only a @cert-authority line does. */
  | { kind: 'unknown'; certAuthority: KnownHostEntry | null };

/** The key type named inside an SSH wire-format key blob. */
export function blobKeyType(key: Buffer): string {
  if (key.length < 4) return '';
  const n = key.readUInt32BE(0);
  return key.subarray(4, 4 + n).toString('latin1');
}

/**
 * Decide about a presented host key. Secure reading of OpenSSH's rules: a revoked key fails; a host
 * that has any pinned key fails when the presented key is none of them ("changed"), even if the
 * type differs (kfleet offers the pinned types first, so a different type means the pinned key is gone).
 */
export function checkHostKey(entries: readonly KnownHostEntry[], name: string, key: Buffer): HostKeyVerdict {
  const forHost = entries.filter((e) => hostFieldMatches(e.hosts, name));
  const revoked = forHost.find((e) => e.marker === 'revoked' && e.key.equals(key));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = forHost.filter((e) => e.marker === null);
  const hit = plain.find((e) => e.key.equals(key));
  if (hit) return { kind: 'match', entry: hit };
  if (plain.length > 0) return { kind: 'changed', known: plain };
  return { kind: 'unknown', certAuthority: forHost.find((e) => e.marker === 'cert-authority') ?? null };
}

const ALGOS_FOR_TYPE: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
};

/** Host key algorithms for the key types pinned for `name`, in file order (OpenSSH's preference). */
export function pinnedAlgorithms(entries: readonly KnownHostEntry[], name: string): string[] {
  const out: string[] = [];
  for (const e of entries) {
    if (e.marker !== null || !hostFieldMatches(e.hosts, name)) continue;
    for (const a of ALGOS_FOR_TYPE[e.keyType] ?? [e.keyType]) if (!out.includes(a)) out.push(a);
  }
  return out;
}

/** A hashed known_hosts line, as `ssh-keygen -H` writes it. */
export function hashedLine(name: string, keyType: string, key: Buffer, salt: Buffer = randomBytes(20)): string {
  return `|1|${salt.toString('base64')}|${hashHostName(name, salt)} ${keyType} ${key.toString('base64')}`;
}

export class KnownHostsReadError extends Error {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot read known_hosts file ${file}: ${reason}`);
  }
}

/** Read and parse files in order. A missing file is empty; any other read failure fails closed. */
export async function loadKnownHosts(files: readonly string[]): Promise<KnownHostEntry[]> {
  const all: KnownHostEntry[] = [];
  for (const file of files) {
    if (file === '/dev/null') continue;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') continue;
      throw new KnownHostsReadError(file, code ?? String(e));
    }
    all.push(...parseKnownHosts(text, file));
  }
  return all;
}

/**
 * Entries of a set of files with a lookup by host name. Lines whose host field is a plain list of
 * names (no wildcard, negation or hash) are found through a map; the others are matched one by one.
 * forName returns what hostFieldMatches accepts, in file order, so checkHostKey and pinnedAlgorithms
 * decide exactly as over the whole list.
 */
export class KnownHostsIndex {
  private readonly exact = new Map<string, number[]>();
  private readonly other: number[] = [];
  constructor(readonly entries: readonly KnownHostEntry[]) {
    entries.forEach((e, i) => {
      if (e.hosts.startsWith('|') || /[*?!]/.test(e.hosts)) {
        this.other.push(i);
        return;
      }
      for (const name of new Set(e.hosts.toLowerCase().split(','))) {
        const l = this.exact.get(name);
        if (l) l.push(i);
        else this.exact.set(name, [i]);
      }
    });
  }
  forName(name: string): KnownHostEntry[] {
    const hits = [...(this.exact.get(name.toLowerCase()) ?? []), ...this.other.filter((i) => hostFieldMatches(this.entries[i]!.hosts, name))];
    return hits.sort((a, b) => a - b).map((i) => this.entries[i]!);
  }
}

const indexCache = new Map<string, { stamp: string; index: KnownHostsIndex }>();

/**
 * loadKnownHosts for many connections of one process: the files are stat'ed on every call and read
 * and parsed again only when one changed (size, mtime or inode), so a fleet run parses a large
 * known_hosts once instead of once per host, and still sees keys other runs append meanwhile.
 */
export async function loadKnownHostsIndex(files: readonly string[]): Promise<KnownHostsIndex> {
  const stamps: string[] = [];
  for (const file of files) {
    if (file === '/dev/null') continue;
    try {
      const st = await stat(file, { bigint: true });
      stamps.push(`${file}\0${st.ino}\0${st.size}\0${st.mtimeNs}\0${st.ctimeNs}`);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') stamps.push(`${file}\0-`);
      else throw new KnownHostsReadError(file, code ?? String(e));
    }
  }
  const key = files.join('\0');
  const stamp = stamps.join('\n');
  const hit = indexCache.get(key);
  if (hit && hit.stamp === stamp) return hit.index;
  const index = new KnownHostsIndex(await loadKnownHosts(files));
  if (indexCache.size >= 64) indexCache.clear();
  indexCache.set(key, { stamp, index });
  return index;
}
