// The one fleet fan-out: work on every host, at most `forks` at once, each host's error kept as
// its own result (one host failing never stops the others), results in the hosts' order.
// overSessions() is the connect-work-close shape that status, plan, report and apply's
// pre-probe use (one connection per host, closed as soon as its work is done).
import pLimit from 'p-limit';
import { isKfleetError } from '../errors.js';
import type { HostSession } from '../transport/types.js';
import type { HostError } from './ledger.js';

export type Reached<T> = { host: string; ok: true; value: T } | { host: string; ok: false; error: unknown };

export async function fanOut<T>(hosts: readonly string[], forks: number, work: (host: string) => Promise<T>): Promise<Reached<T>[]> {
  const limit = pLimit(Math.max(1, forks));
  return Promise.all(
    hosts.map((host) =>
      limit(async (): Promise<Reached<T>> => {
        try {
          return { host, ok: true, value: await work(host) };
        } catch (error) {
          return { host, ok: false, error };
        }
      }),
    ),
  );
}

/** Connect, work, close (whatever happens). */
export function overSessions<T>(connect: (host: string) => Promise<HostSession>, work: (session: HostSession, host: string) => Promise<T>): (host: string) => Promise<T> {
  return async (host) => {
    let session: HostSession | undefined;
    try {
      session = await connect(host);
      return await work(session, host);
    } finally {
      await session?.close().catch(() => {});
    }
  };
}

/** A host's error as data (code, message, hint): an error without a code could not reach the host. */
export function hostErrorOf(e: unknown, fallback = 'UNREACHABLE'): HostError {
  if (isKfleetError(e)) return { code: e.code, message: e.message, ...(e.hint ? { hint: e.hint } : {}) };
  const err = e as { code?: unknown; message?: unknown };
  return { code: typeof err?.code === 'string' ? err.code : fallback, message: typeof err?.message === 'string' ? err.message : String(e) };
}
