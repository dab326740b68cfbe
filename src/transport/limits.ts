// Concurrency limits: a connect limiter separate from the work limiter (p-limit), a per-host
// channel semaphore below sshd's MaxSessions (default 10), and capped exponential backoff.
import pLimit, { type LimitFunction } from 'p-limit';

export class Semaphore {
  private active = 0;
  private queue: Array<() => void> = [];
  constructor(readonly max: number) {
    if (!(max >= 1)) throw new RangeError('semaphore size must be >= 1');
  }
  async acquire(): Promise<() => void> {
    if (this.active >= this.max) await new Promise<void>((r) => this.queue.push(r));
    else this.active++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next(); // the slot passes straight to the next waiter
      else this.active--;
    };
  }
  get inUse(): number {
    return this.active;
  }
}

export interface Limiters {
  /** Bounds simultaneous SSH handshakes (sshd MaxStartups defaults to 10:30:100 per server). */
  connect: LimitFunction;
  /** Bounds hosts worked on at once (--forks); for the engine above the transport. */
  work: LimitFunction;
  /** Channels per host at once; must stay below the server's MaxSessions (10). */
  channelsPerHost: number;
}

export function createLimiters(opts: { connect?: number; work?: number; channelsPerHost?: number } = {}): Limiters {
  const channelsPerHost = opts.channelsPerHost ?? 8;
  if (channelsPerHost > 9) throw new RangeError('channelsPerHost must stay below sshd MaxSessions (10)');
  return { connect: pLimit(opts.connect ?? 20), work: pLimit(opts.work ?? 50), channelsPerHost };
}

export interface RetryPolicy {
  attempts: number;
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseMs: 250, maxMs: 4000 };

/** Delay before retry number `n` (1-based): base * 2^(n-1), capped, with +-25 % jitter. */
export function backoffMs(n: number, p: RetryPolicy, rand: () => number = Math.random): number {
  const d = Math.min(p.maxMs, p.baseMs * 2 ** (n - 1));
  return Math.round(d * (0.75 + rand() * 0.5));
}

/** Retry `fn` while `retryable(err)` holds, up to policy.attempts tries in all. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, retryable: (e: unknown) => boolean, p: RetryPolicy): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (e) {
      if (attempt >= p.attempts || !retryable(e)) throw e;
      await new Promise((r) => setTimeout(r, backoffMs(attempt, p)));
    }
  }
}
