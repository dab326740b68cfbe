// A remote read: one command and its parser, as one unit (pyinfra's facts are the model). The
// command is a POSIX sh line built only from constants and shq()-quoted values; the parser is pure
// and is tested from recorded outputs (test/facts/reads/fixtures). Callers run a read with runRead
// and never build or split the command's output themselves. The probe (../probe.ts) is the big read.
import type { HostSession } from '../../transport/types.js';

export interface RemoteRead<T> {
  /** What it reads, for messages ("boot id", "previous boot's kernel log"). */
  readonly name: string;
  readonly command: string;
  /** Needs root (through become). */
  readonly become: boolean;
  /** Pure: what the command printed (and its exit status) -> the fact. Throws on output that is not the command's. */
  parse(stdout: string, code: number | null): T;
}

export async function runRead<T>(session: HostSession, read: RemoteRead<T>, timeoutMs: number): Promise<T> {
  const r = await session.exec(read.command, { become: read.become, timeoutMs });
  try {
    return read.parse(r.stdout, r.code);
  } catch (e) {
    const err = r.stderr.trim().split('\n').slice(-3).join(' | ').slice(0, 300);
    throw new Error(`${(e as Error).message}${err ? ` (stderr: ${err})` : ''}`, { cause: e });
  }
}

export const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';
