// Host key policy: strict (default) refuses unknown hosts, accept-new records them (hashed, under a
// lock file), off accepts anything (lab only). A changed or revoked key always fails; an unreadable
// known_hosts file fails closed.
import { createHash } from 'node:crypto';
import { mkdir, open, readFile, stat, unlink, appendFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { TransportError } from './errors.js';
import {
  blobKeyType,
  checkHostKey,
  hashedLine,
  knownHostName,
  KnownHostsReadError,
  loadKnownHostsIndex,
  parseKnownHosts,
  pinnedAlgorithms,
  type KnownHostsIndex,
} from './known-hosts.js';
import { DEFAULT_HOST_KEY_ALGORITHMS } from './ssh2.js';

export type HostKeyPolicy = 'strict' | 'accept-new' | 'off';

export interface HostKeyTarget {
  /** Inventory host the connection is for (error location). */
  host: string;
  /** Address the key is recorded under (HostName of this hop) and its port. */
  address: string;
  port: number;
  policy: HostKeyPolicy;
  /** known_hosts files to read, in order; new keys are appended to the first. */
  files: readonly string[];
}

export interface HostKeyChecker {
  /** serverHostKey algorithms: the pinned types first, then ssh2's defaults. */
  algorithms: string[];
  /** Resolves when the key is acceptable (how), rejects with a TransportError otherwise. */
  verify(key: Buffer): Promise<'match' | 'recorded' | 'unchecked'>;
}

/** SHA256:base64 without padding, as ssh-keygen -l prints it. */
function fingerprint(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

export async function prepareHostKeyCheck(t: HostKeyTarget): Promise<HostKeyChecker> {
  const name = knownHostName(t.address, t.port);
  const entries = (await readEntries(t)).forName(name);
  const pinned = pinnedAlgorithms(entries, name).filter((a) =>
    (DEFAULT_HOST_KEY_ALGORITHMS as readonly string[]).includes(a),
  );
  const algorithms = [...pinned, ...DEFAULT_HOST_KEY_ALGORITHMS.filter((a) => !pinned.includes(a))];
  return {
    algorithms,
    verify: async (key: Buffer) => {
      if (t.policy === 'off') return 'unchecked';
      const v = checkHostKey(entries, name, key);
      if (v.kind === 'match') return 'match';
      if (v.kind === 'unknown' && t.policy === 'accept-new' && !v.certAuthority) {
        return (await recordNewKey(t, name, key)) ? 'recorded' : 'match';
      }
      throw verdictError(t, name, key, v);
    },
  };
}

async function readEntries(t: HostKeyTarget): Promise<KnownHostsIndex> {
  try {
    return await loadKnownHostsIndex(t.files);
  } catch (e) {
    if (e instanceof KnownHostsReadError) {
      throw new TransportError('CONFIG_INVALID', t.host, e.message,
        'fix the permissions of the file (kfleet refuses to connect when it cannot check host keys)', { cause: e });
    }
    throw e;
  }
}

function verdictError(t: HostKeyTarget, name: string, key: Buffer, v: ReturnType<typeof checkHostKey>): TransportError {
  const type = blobKeyType(key);
  const fp = fingerprint(key);
  switch (v.kind) {
    case 'revoked':
      return new TransportError('HOST_KEY_REVOKED', t.host,
        `the ${type} host key of ${name} (${fp}) is marked @revoked in ${v.entry.file}:${v.entry.line}`,
        'the host presents a revoked key; re-key the host before connecting to it');
    case 'changed': {
      const at = v.known.map((e) => `${e.file}:${e.line}`).join(', ');
      return new TransportError('HOST_KEY_CHANGED', t.host,
        `the host key of ${name} changed: it presented ${type} ${fp}, which matches none of the keys recorded at ${at}`,
        `if the host was legitimately re-installed, verify the new key out of band, then run: ssh-keygen -R ${shellWord(name)}${t.files[0] ? ` -f ${shellWord(t.files[0])}` : ''}`);
    }
    case 'unknown':
      if (v.certAuthority) {
        return new TransportError('HOST_KEY_UNSUPPORTED', t.host,
          `${name} is trusted only through a @cert-authority line (${v.certAuthority.file}:${v.certAuthority.line}); kfleet's SSH library cannot verify host certificates`,
          `pin the host's plain key: ssh-keyscan -p ${t.port} ${shellWord(t.address)} >> ${shellWord(t.files[0] ?? '~/.ssh/known_hosts')}`);
      }
      return new TransportError('HOST_KEY_UNKNOWN', t.host,
        `${name} is not in known_hosts (${t.files.join(', ') || 'no files'}); it presented ${type} ${fp}`,
        `verify the key, then run: ssh-keyscan -p ${t.port} ${shellWord(t.address)} >> ${shellWord(t.files[0] ?? '~/.ssh/known_hosts')} ; or pass --host-key-policy accept-new to record first-seen keys`);
    default:
      throw new Error('unreachable');
  }
}

function shellWord(s: string): string {
  return /^[A-Za-z0-9_.:@/[\]~-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Under the lock, re-read the file (another run may have recorded the host meanwhile) and append. */
async function recordNewKey(t: HostKeyTarget, name: string, key: Buffer): Promise<boolean> {
  const file = t.files[0];
  if (!file || file === '/dev/null') return true;
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  return withLockFile(`${file}.lock`, async (): Promise<boolean> => {
    let text = '';
    try {
      text = await readFile(file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    const v = checkHostKey(parseKnownHosts(text, file), name, key);
    if (v.kind === 'match') return false;
    if (v.kind !== 'unknown') throw verdictError(t, name, key, v);
    const sep = text === '' || text.endsWith('\n') ? '' : '\n';
    await appendFile(file, `${sep}${hashedLine(name, blobKeyType(key), key)}\n`, { mode: 0o600 });
    return true;
  });
}

const STALE_LOCK_MS = 30_000;

/** An O_EXCL lock file with retry; a lock older than 30 s is considered abandoned and removed. */
export async function withLockFile<T>(lockPath: string, fn: () => Promise<T>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let delay = 10; ; delay = Math.min(delay * 2, 200)) {
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const st = await stat(lockPath).catch(() => null);
      if (st && Date.now() - st.mtimeMs > STALE_LOCK_MS) {
        await unlink(lockPath).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock file ${lockPath}`);
      await new Promise((r) => setTimeout(r, delay + Math.random() * delay));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lockPath).catch(() => undefined);
  }
}
