// The one remote read of a host's KFENCE findings, as a command and its parser (one unit, tested
// from recorded outputs): boot id, uptime and release, debugfs `stats` (the `total bugs`
// counter), and the kernel log from a cursor on. Each part says whether it could be read, so a
// caller can tell "no bugs" from "cannot see": debugfs is missing when it is not mounted or under
// kernel lockdown, and dmesg is refused to a user without CAP_SYSLOG.
//
// Used by the soak gate (src/rollout/soak.ts) and `kfleet report`.

import type { StatsFact } from '../facts/types.js';
import { STATS_PATH } from '../kernel/constants.js';
import { kernelLogCommand, readNewKernelLog, type KernelLogSource, type ReadOptions, type ReadResult } from './cursor.js';
import { parseKfenceStats, totalBugs } from './parse-stats.js';
import type { DmesgCursor } from './types.js';

export { STATS_PATH };
/** Printed in place of a part that could not be read. */
export const UNREADABLE = '@@kfleet-unreadable';
const STATS_MARK = '@@kfleet-stats';
const LOG_MARK = '@@kfleet-log';

export interface KfenceRead {
  boot_id: string;
  /** Seconds since boot, null when /proc/uptime could not be read. */
  uptime_s: number | null;
  release: string;
  /** Live `sample_interval` (ms; negative = Alinux full mode), null when not readable. */
  sample_interval: number | null;
  /** The booted command line enables KFENCE (`kfence.sample_interval=N`, N != 0). */
  cmdline_on: boolean;
  /** Parsed `stats`, null when the file could not be read (debugfs absent, lockdown, KFENCE never on). */
  stats: StatsFact | null;
  /** `total bugs`, null when stats is unreadable or has no such counter. */
  bugs: number | null;
  /** The new part of the kernel log, null when the log could not be read. */
  log: ReadResult | null;
}

/** One POSIX sh command: the head lines, the stats file, then the kernel log from `cursor` on. */
export function kfenceReadCommand(cursor: DmesgCursor | null, source: KernelLogSource = 'dmesg'): string {
  return [
    'cat /proc/sys/kernel/random/boot_id',
    "cut -d' ' -f1 /proc/uptime",
    'uname -r',
    "tr '\\n' ' ' < /proc/cmdline; echo",
    'cat /sys/module/kfence/parameters/sample_interval 2>/dev/null || echo',
    `echo ${STATS_MARK}`,
    `cat ${STATS_PATH} 2>/dev/null || echo ${UNREADABLE}`,
    `echo ${LOG_MARK}`,
    kernelLogCommand(cursor, source),
  ].join('; ');
}

/**
 * Parse kfenceReadCommand's output. `cursor` is the one the command was built with; the log part
 * is read through readNewKernelLog (a cursor of another boot reads the new boot whole).
 */
export function parseKfenceRead(stdout: string, cursor: DmesgCursor | null, opts: ReadOptions = {}): KfenceRead {
  const s = stdout.indexOf(`${STATS_MARK}\n`);
  const l = stdout.indexOf(`${LOG_MARK}\n`, s < 0 ? 0 : s);
  const head = s < 0 ? stdout : stdout.slice(0, s);
  const statsText = s < 0 ? UNREADABLE : stdout.slice(s + STATS_MARK.length + 1, l < 0 ? undefined : l);
  const logText = l < 0 ? UNREADABLE : stdout.slice(l + LOG_MARK.length + 1);
  const [bootId = '', uptime = '', release = '', cmdline = '', interval = ''] = head.split('\n').map((x) => x.trim());
  const up = Number(uptime);
  const iv = interval === '' ? NaN : Number(interval);
  const arg = /(?:^| )kfence\.sample_interval=(-?\d+)(?: |$)/.exec(cmdline);
  const stats = statsText.trim() === UNREADABLE || statsText.trim() === '' ? null : parseKfenceStats(statsText);
  const log = logText.split('\n')[0]?.trim() === UNREADABLE ? null : readNewKernelLog(logText, bootId, cursor, opts);
  return {
    boot_id: bootId,
    uptime_s: uptime !== '' && Number.isFinite(up) ? up : null,
    release,
    sample_interval: Number.isSafeInteger(iv) ? iv : null,
    cmdline_on: arg !== null && Number(arg[1]) !== 0,
    stats,
    bugs: totalBugs(stats),
    log,
  };
}
