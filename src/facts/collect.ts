// Facts in one round trip: the probe script over one channel (with become when configured),
// parsed into HostFacts.
import { KfleetError } from '../errors.js';
import type { HostSession } from '../transport/types.js';
import { parseProbeOutput } from './parse.js';
import { probeCommand } from './probe.js';
import type { HostFacts } from './types.js';

export interface CollectOptions {
  /** Default: the session's command timeout (--command-timeout), like every other command. */
  timeoutMs?: number;
  /** Cap on the probe's output (default 4 MiB). */
  maxOutputBytes?: number;
  now?: Date;
}

export async function collectFacts(session: HostSession, host: string, opts: CollectOptions = {}): Promise<HostFacts> {
  const r = await session.exec(probeCommand(), {
    become: true,
    ...(opts.timeoutMs !== undefined ? { timeoutMs: opts.timeoutMs } : {}),
    maxOutputBytes: opts.maxOutputBytes ?? 4 * 1024 * 1024,
  });
  if (r.code !== 0) {
    const why = r.code === null ? (r.signal ? `was killed by ${r.signal}` : 'ended without an exit status') : `exited with ${r.code}`;
    throw new KfleetError('FACTS_FAILED', `the facts probe on ${host} ${why}: ${r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300)}`, {
      location: { host },
      hint: 'check that /bin/sh works on the host and that the connection user (or become) may read /proc and /sys',
    });
  }
  return parseProbeOutput(r.stdout, host, opts.now);
}
