// The fleet lock: one run at a time per state directory (one per inventory). The lock file names
// its owner (run, pid, machine, user, since) and carries a TTL that the owner keeps extending; a
// lock whose TTL passed, or whose owner process is gone from this machine, is stale, and is taken
// over only when the user asks (--take-over-lock).
import { mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync, closeSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { EXIT, KfleetError } from '../errors.js';

export interface LockOwner {
  run: string;
  pid: number;
  machine: string;
  user: string;
  since: string;
  expires: string;
}

export function lockPath(stateDir: string): string {
  return join(stateDir, 'lock.json');
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function isStale(o: LockOwner, now = Date.now()): boolean {
  if (Date.parse(o.expires) < now) return true;
  return o.machine === hostname() && !pidAlive(o.pid);
}

export function readLock(stateDir: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(lockPath(stateDir), 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

export class FleetLock {
  private timer: NodeJS.Timeout | null = null;
  private constructor(
    private readonly stateDir: string,
    private owner: LockOwner,
    private readonly ttlMs: number,
  ) {}

  static acquire(stateDir: string, run: string, opts: { ttlMs?: number; takeOver?: boolean } = {}): FleetLock {
    const ttlMs = opts.ttlMs ?? 120_000;
    mkdirSync(stateDir, { recursive: true });
    const now = Date.now();
    const owner: LockOwner = {
      run,
      pid: process.pid,
      machine: hostname(),
      user: safeUser(),
      since: new Date(now).toISOString(),
      expires: new Date(now + ttlMs).toISOString(),
    };
    const path = lockPath(stateDir);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, JSON.stringify(owner, null, 2) + '\n');
        closeSync(fd);
        const lock = new FleetLock(stateDir, owner, ttlMs);
        lock.startHeartbeat();
        return lock;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const cur = readLock(stateDir);
        if (cur && cur.run === run && cur.pid === process.pid) throw new Error('lock already held by this process');
        const who = cur ? `run ${cur.run} (pid ${cur.pid} on ${cur.machine}, user ${cur.user}, since ${cur.since}, expires ${cur.expires})` : 'an unreadable lock file';
        if (cur && !isStale(cur)) {
          throw new KfleetError('LOCKED', `another kfleet run holds the fleet lock: ${who}`, {
            exitCode: EXIT.LOCKED,
            hint: `wait for it to finish, or stop it with \`kfleet abort ${cur.run}\`; the lock is ${lockPath(stateDir)}`,
          });
        }
        if (!opts.takeOver) {
          throw new KfleetError('LOCK_STALE', `the fleet lock is stale: ${who}`, {
            exitCode: EXIT.LOCKED,
            hint: 'if that run is really gone, pass --take-over-lock (and consider `kfleet apply --resume` for it)',
          });
        }
        unlinkSync(path);
      }
    }
    throw new KfleetError('LOCKED', 'could not take the fleet lock', { exitCode: EXIT.LOCKED, hint: 'another run kept taking it; `kfleet runs` shows who holds it' });
  }

  private startHeartbeat(): void {
    this.timer = setInterval(() => this.extend(), Math.max(1000, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  extend(): void {
    this.owner = { ...this.owner, expires: new Date(Date.now() + this.ttlMs).toISOString() };
    const tmp = `${lockPath(this.stateDir)}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.owner, null, 2) + '\n');
    renameSync(tmp, lockPath(this.stateDir));
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    const cur = readLock(this.stateDir);
    if (cur && cur.run === this.owner.run && cur.pid === this.owner.pid) {
      try {
        unlinkSync(lockPath(this.stateDir));
      } catch {
        /* gone already */
      }
    }
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}
