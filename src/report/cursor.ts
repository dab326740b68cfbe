// Reading only what is new in a host's kernel log. The remote side prints the lines from the
// cursor's timestamp on (a POSIX awk filter, so re-reading a busy host costs one small transfer);
// this side drops the lines at that timestamp already consumed, parses the rest and advances the
// cursor. A report still being printed at the end of the read is held back (the cursor stops
// before it) so the next read sees it whole instead of as two halves.

import { shq } from '../shell-quote.js';
import { splitLog, type LogLine } from './log-line.js';
import { parseLogLines, type ParsedLog } from './parse-dmesg.js';
import type { DmesgCursor } from './types.js';

export interface ReadResult extends ParsedLog {
  cursor: DmesgCursor;
  /** The previous cursor belonged to another boot (or there was none): everything was read. */
  reset: boolean;
  /** Lines parsed in this read (after the cursor). */
  lines_read: number;
  /** A report open at the end of the input was held back for the next read. */
  held_back: boolean;
}

export interface ReadOptions {
  /** Return a report still open at the end of the input (as truncated) instead of holding it
   *  back. Use when no further read will come (the host is about to reboot, or a final report). */
  final?: boolean;
}

export function initialCursor(bootId: string): DmesgCursor {
  return { boot_id: bootId, ts: -1, n_at_ts: 0 };
}

/** Index of the first line after the cursor (lines without a stamp stay with the line before). */
function skipConsumed(lines: readonly LogLine[], c: DmesgCursor): number {
  if (c.ts < 0) return 0;
  let seen = 0;
  let i = 0;
  for (; i < lines.length; i++) {
    const ts = lines[i]?.ts ?? null;
    if (ts === null) continue;
    if (ts < c.ts) continue;
    if (ts === c.ts && seen < c.n_at_ts) {
      seen++;
      continue;
    }
    break;
  }
  return i;
}

function advance(c: DmesgCursor, lines: readonly LogLine[], upTo: number): DmesgCursor {
  let { ts, n_at_ts } = c;
  for (let i = 0; i < upTo; i++) {
    const t = lines[i]?.ts ?? null;
    if (t === null) continue;
    if (t === ts) n_at_ts++;
    else if (t > ts) {
      ts = t;
      n_at_ts = 1;
    }
  }
  return { boot_id: c.boot_id, ts, n_at_ts };
}

/**
 * Parse the new part of a kernel log read from a host whose boot id is `bootId`, given the
 * cursor from the previous read (or null). `text` may be the whole log or the output of
 * kernelLogCommand(cursor): lines already consumed are skipped either way.
 */
export function readNewKernelLog(text: string, bootId: string, cursor: DmesgCursor | null, opts: ReadOptions = {}): ReadResult {
  const reset = cursor === null || cursor.boot_id !== bootId;
  const base = reset ? initialCursor(bootId) : cursor;
  const all = splitLog(text);
  const from = skipConsumed(all, base);
  const fresh = all.slice(from);
  const parsed = parseLogLines(fresh);
  let upTo = fresh.length;
  let reports = parsed.reports;
  let held = false;
  if (!opts.final && parsed.open_start !== null) {
    upTo = parsed.open_start;
    if (parsed.open_report) reports = reports.slice(0, -1);
    held = true;
  }
  // Lines without a stamp cannot be located again: a log without stamps is read whole each time.
  const next = advance(base, fresh, upTo);
  const status = parsed.status.filter((_, k) => (parsed.status_lines[k] ?? 0) < upTo);
  return { reports, status, cursor: next, reset, lines_read: upTo, held_back: held };
}

export type KernelLogSource = 'dmesg' | 'journal';

/**
 * A POSIX sh command printing the kernel log from the cursor's timestamp on. `dmesg` prints
 * `[ s.us] msg`; for the journal (where dmesg is restricted) `journalctl -k -b -o short-monotonic`
 * prints the same stamps. Lines before the first one at or after the cursor's stamp are dropped
 * remotely; readNewKernelLog drops the rest of what was already seen. A reader that fails prints
 * `@@kfleet-unreadable` alone.
 */
export function kernelLogCommand(cursor: DmesgCursor | null, source: KernelLogSource = 'dmesg'): string {
  const ts = cursor && Number.isFinite(cursor.ts) && cursor.ts >= 0 ? cursor.ts.toFixed(6) : '-1';
  const awk =
    '$0 == "@@kfleet-unreadable" { print; next } { if (!p && match($0, /^\\[ *[0-9]+\\.[0-9]+\\]/)) { v = substr($0, RSTART + 1, RLENGTH - 2) + 0; if (v >= t) p = 1 } if (p) print }';
  const reader = source === 'dmesg' ? 'dmesg' : 'journalctl -k -b -o short-monotonic --no-pager -q';
  // A log that cannot be read prints the marker (kfence-read.ts) instead of looking empty.
  return `{ ${reader} 2>/dev/null || echo @@kfleet-unreadable; } | awk -v t=${shq(ts)} ${shq(awk)}`;
}
