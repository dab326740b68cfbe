// The fleet lock in a state directory: lock.json names its owner (run, pid, machine, user, since)
// and carries a TTL that the owner keeps extending. Every change to an existing lock file (renew,
// take over, release) is a compare-and-swap on the owner, done under a short O_EXCL mutex file, so
// an owner that stalled past its TTL and wakes up after someone took the lock over finds it taken,
// marks itself lost and stops: it never writes the lock back.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { join } from 'node:path';
import { EXIT, KfleetError } from '../errors.js';
import type { AcquireOptions, HeldLock, LockOwner } from './store.js';

export function lockFile(dir: string): string {
  return join(dir, 'lock.json');
}

/** A zombie (state Z in /proc/PID/stat: killed, not yet reaped because its parent died too) is not
 *  a live owner, though kill(pid, 0) still succeeds on it (seen in CI: a SIGKILLed focus run's apply). */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !isZombie(pid);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function fileLockStale(o: LockOwner, now = Date.now()): boolean {
  if (Date.parse(o.expires) < now) return true;
  return o.machine === hostname() && !pidAlive(o.pid);
}

export function readLockFile(dir: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(lockFile(dir), 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

export function sameOwner(a: LockOwner | null, b: LockOwner): boolean {
  return a !== null && a.run === b.run && a.pid === b.pid && a.machine === b.machine && a.since === b.since;
}

export function currentUser(): string {
  try {
    return userInfo().username;
  } catch {
    return String(process.getuid?.() ?? 'unknown');
  }
}

/** Run fn while holding lock.json.cas (O_EXCL). A mutex file older than 10 s is from a dead process. */
function withMutex<T>(dir: string, fn: () => T): T {
  const m = `${lockFile(dir)}.cas`;
  const until = Date.now() + 5000;
  for (;;) {
    try {
      closeSync(openSync(m, 'wx'));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      try {
        if (Date.now() - statSync(m).mtimeMs > 10_000) unlinkSync(m);
      } catch {
        /* gone meanwhile */
      }
      if (Date.now() > until) throw new KfleetError('LOCKED', `the fleet lock ${lockFile(dir)} is busy`, { exitCode: EXIT.LOCKED, hint: `if no kfleet is running, remove ${m}` });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
  try {
    return fn();
  } finally {
    try {
      unlinkSync(m);
    } catch {
      /* already removed */
    }
  }
}

function writeAtomic(dir: string, owner: LockOwner): void {
  const tmp = `${lockFile(dir)}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(owner, null, 2) + '\n');
  renameSync(tmp, lockFile(dir));
}

export class FileLock implements HeldLock {
  private timer: NodeJS.Timeout | null = null;
  private lostReason: string | null = null;
  released = false;
  private constructor(
    private readonly dir: string,
    private current: LockOwner,
    private readonly ttlMs: number,
  ) {}

  get owner(): LockOwner {
    return this.current;
  }

  get lost(): boolean {
    return this.lostReason !== null;
  }

  static acquire(dir: string, run: string, opts: AcquireOptions): FileLock {
    mkdirSync(dir, { recursive: true });
    const now = Date.now();
    const owner: LockOwner = { run, pid: process.pid, machine: hostname(), user: currentUser(), since: new Date(now).toISOString(), expires: new Date(now + opts.ttlMs).toISOString() };
    const path = lockFile(dir);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const fd = openSync(path, 'wx');
        writeSync(fd, JSON.stringify(owner, null, 2) + '\n');
        closeSync(fd);
        const lock = new FileLock(dir, owner, opts.ttlMs);
        lock.startHeartbeat();
        return lock;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const took = withMutex(dir, () => {
          const cur = readLockFile(dir);
          if (!cur) return false; // released meanwhile: try the create again
          if (cur.run === run && cur.pid === process.pid) throw new Error('lock already held by this process');
          const who = `run ${cur.run} (pid ${cur.pid} on ${cur.machine}, user ${cur.user}, since ${cur.since}, expires ${cur.expires})`;
          if (!fileLockStale(cur)) {
            throw new KfleetError('LOCKED', `another kfleet run holds the fleet lock: ${who}`, { exitCode: EXIT.LOCKED, hint: `wait for it to finish, or stop it with \`kfleet abort ${cur.run}\`; the lock is ${path}` });
          }
          if (!opts.takeOver) {
            throw new KfleetError('LOCK_STALE', `the fleet lock is stale: ${who}`, { exitCode: EXIT.LOCKED, hint: 'if that run is really gone, pass --take-over-lock (and consider `kfleet apply --resume` for it)' });
          }
          writeAtomic(dir, owner);
          return true;
        });
        if (took) {
          const lock = new FileLock(dir, owner, opts.ttlMs);
          lock.startHeartbeat();
          return lock;
        }
      }
    }
    throw new KfleetError('LOCKED', 'could not take the fleet lock', { exitCode: EXIT.LOCKED, hint: 'another run kept taking it; `kfleet runs` shows who holds it' });
  }

  private startHeartbeat(): void {
    this.timer = setInterval(() => this.extend(), Math.max(1000, Math.floor(this.ttlMs / 3)));
    this.timer.unref();
  }

  private markLost(reason: string): void {
    if (!this.lostReason) this.lostReason = reason;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Renew the TTL, but only while the lock file still names this owner. False once it does not. */
  extend(): boolean {
    if (this.lostReason) return false;
    return withMutex(this.dir, () => {
      const cur = readLockFile(this.dir);
      if (!sameOwner(cur, this.current)) {
        this.markLost(cur ? `run ${cur.run} (pid ${cur.pid} on ${cur.machine}, user ${cur.user}) took the fleet lock over since ${cur.since}` : 'the fleet lock file was removed');
        return false;
      }
      const next = { ...this.current, expires: new Date(Date.now() + this.ttlMs).toISOString() };
      writeAtomic(this.dir, next);
      this.current = next;
      return true;
    });
  }

  stillHeld(): boolean {
    if (this.lostReason) return false;
    const cur = readLockFile(this.dir);
    if (!sameOwner(cur, this.current)) {
      this.markLost(cur ? `run ${cur.run} (pid ${cur.pid} on ${cur.machine}, user ${cur.user}) took the fleet lock over since ${cur.since}` : 'the fleet lock file was removed');
      return false;
    }
    // Our own TTL ran out (this process stalled): nobody took the lock yet, so renew before acting.
    if (Math.min(Date.parse(cur!.expires), Date.parse(this.current.expires)) <= Date.now()) return this.extend();
    return true;
  }

  assertHeld(): void {
    if (this.stillHeld()) return;
    throw new KfleetError('LOCK_LOST', `this controller lost the fleet lock: ${this.lostReason}; it stopped touching hosts`, {
      exitCode: EXIT.LOCKED,
      hint: `see \`kfleet runs\`; the run can be continued later with \`kfleet apply --resume ${this.current.run}\` once the lock is free`,
    });
  }

  release(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.lostReason || this.released) return;
    this.released = true;
    this.lostReason = 'released';
    try {
      withMutex(this.dir, () => {
        if (sameOwner(readLockFile(this.dir), this.current)) unlinkSync(lockFile(this.dir));
      });
    } catch {
      /* gone already */
    }
  }
}
