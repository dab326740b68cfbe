// Delivery to one webhook: a bounded queue, one request at a time (messages arrive in order),
// retries with exponential backoff on network errors, timeouts, 408, 429 and 5xx. Enqueueing never
// blocks and never throws, so a dead or slow receiver cannot hold up or fail a rollout. At the end
// the queue drains until a deadline, then what is left is dropped with one warning. Every message
// names the webhook by scheme and host only (redact.ts).
import { redactUrl, scrub } from './redact.js';

export interface PostResult {
  status: number;
  /** From a Retry-After header (429/503), in ms. */
  retryAfterMs?: number;
}
export type Post = (url: string, body: string, signal: AbortSignal) => Promise<PostResult>;

export interface SenderOptions {
  post?: Post;
  /** Messages waiting per webhook before new ones are dropped. */
  maxQueue?: number;
  /** Tries per message, the first included. */
  attempts?: number;
  /** Wait before the first retry; doubles each time, capped at maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** Per request. */
  timeoutMs?: number;
  warn: (message: string) => void;
}

export const DEFAULTS = { maxQueue: 200, attempts: 5, backoffMs: 500, maxBackoffMs: 8000, timeoutMs: 5000 } as const;

/** POST with fetch: JSON body, no redirects followed (a redirect could leak the body elsewhere). */
export const fetchPost: Post = async (url, body, signal) => {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': 'kfleet' }, body, signal, redirect: 'manual' });
  await res.arrayBuffer().catch(() => undefined);
  const ra = Number(res.headers.get('retry-after'));
  return { status: res.status, ...(Number.isFinite(ra) && ra > 0 ? { retryAfterMs: Math.min(ra * 1000, 60_000) } : {}) };
};

const retryable = (status: number) => status === 408 || status === 429 || status >= 500;

function reason(e: unknown): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return 'timed out';
  return `${err.message}${err.cause ? `: ${err.cause.code ?? err.cause.message ?? ''}` : ''}`;
}

export class WebhookSender {
  readonly label: string;
  private readonly o: Required<Omit<SenderOptions, 'post'>> & { post: Post };
  private queue: string[] = [];
  private running = false;
  private stopped = false;
  private readonly abort = new AbortController();
  private idleWaiters: Array<() => void> = [];
  readonly stats = { delivered: 0, failed: 0, dropped: 0, attempts: 0 };

  constructor(
    private readonly url: string,
    opts: SenderOptions,
  ) {
    this.label = redactUrl(url);
    this.o = { post: fetchPost, ...DEFAULTS, ...opts };
  }

  /** Queue a message; returns at once. */
  send(body: string): void {
    if (this.stopped) return;
    if (this.queue.length >= this.o.maxQueue) {
      if (this.stats.dropped++ === 0) this.o.warn(`notify: the queue for ${this.label} is full (${this.o.maxQueue} messages); dropping new messages`);
      return;
    }
    this.queue.push(body);
    if (!this.running) void this.pump();
  }

  get pending(): number {
    return this.queue.length;
  }

  /** Resolves when the queue is empty (or the sender stopped). */
  idle(): Promise<void> {
    if (!this.running && this.queue.length === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  /** Abort the request in flight and drop the queue; returns how many messages were not delivered. */
  stop(): number {
    const left = this.queue.length;
    this.stopped = true;
    this.queue = [];
    this.abort.abort();
    this.wake();
    return left;
  }

  private wake(): void {
    const w = this.idleWaiters;
    this.idleWaiters = [];
    for (const r of w) r();
  }

  private async pump(): Promise<void> {
    this.running = true;
    try {
      while (this.queue.length > 0 && !this.stopped) {
        const ok = await this.deliver(this.queue[0]!);
        if (this.stopped) break;
        this.queue.shift();
        if (ok) this.stats.delivered++;
        else this.stats.failed++;
      }
    } finally {
      this.running = false;
      this.wake();
    }
  }

  private async deliver(body: string): Promise<boolean> {
    let why = '';
    for (let i = 0; i < this.o.attempts && !this.stopped; i++) {
      if (i > 0) await this.sleep(Math.min(this.o.backoffMs * 2 ** (i - 1), this.o.maxBackoffMs));
      if (this.stopped) return false;
      let wait = 0;
      try {
        this.stats.attempts++;
        const r = await this.o.post(this.url, body, AbortSignal.any([this.abort.signal, AbortSignal.timeout(this.o.timeoutMs)]));
        if (r.status >= 200 && r.status < 300) return true;
        why = `HTTP ${r.status}`;
        if (!retryable(r.status)) {
          this.o.warn(`notify: ${this.label} refused a message (${why}); not retrying`);
          return false;
        }
        wait = r.retryAfterMs ?? 0;
      } catch (e) {
        if (this.stopped) return false;
        why = scrub(reason(e), this.url);
      }
      if (wait > 0) await this.sleep(wait);
    }
    if (!this.stopped) this.o.warn(`notify: gave up on a message to ${this.label} after ${this.o.attempts} attempts (${why})`);
    return false;
  }

  /** A wait that never keeps the process alive by itself and ends early when stopped. */
  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      t.unref();
      const signal = this.abort.signal;
      signal.addEventListener('abort', done, { once: true });
      function done() {
        clearTimeout(t);
        signal.removeEventListener('abort', done);
        resolve();
      }
    });
  }
}

/**
 * Wait for every sender to empty its queue, at most `deadlineMs` (this wait keeps the process
 * alive); then stop them and say how many messages were left undelivered.
 */
export async function drain(senders: WebhookSender[], deadlineMs: number, warn: (m: string) => void): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<void>((r) => (timer = setTimeout(r, deadlineMs)));
  await Promise.race([Promise.all(senders.map((s) => s.idle())), deadline]);
  clearTimeout(timer);
  for (const s of senders) {
    const left = s.stop();
    if (left > 0) warn(`notify: ${left} message(s) to ${s.label} not delivered within ${deadlineMs} ms of the run's end`);
  }
}
