// What survives a boot that ended in a panic, modelled from the kernel's own writers:
// - pstore (fs/pstore/platform.c kmsg_dump): the tail of the log ring, split into parts of at
//   most `partBytes`, newest part first ("Part1"), each headed `Panic#<count> Part<n>` and holding
//   `<level>[ s.us] msg` lines; efi-pstore names them dmesg-efi-<timestamp><part><count>.
// - kdump's vmcore-dmesg.txt (makedumpfile --dump-dmesg): the whole ring as dmesg prints it,
//   under /var/crash/<ip>-<date>/.
// - a journal that could not flush: journald writes the ring's lines as they come, so the lines
//   printed in the instant of the panic never reach the disk.
import { stamp, type LogLine } from './dmesg.js';

export interface PstoreRecord {
  name: string;
  text: string;
}

/** kmsg_dump's record of the end of the ring: newest part first, Part1 the end of the log. */
export function pstoreRecords(lines: readonly LogLine[], count: number, timeSec: number, reason = 'Panic', partBytes = 1024): PstoreRecord[] {
  const rendered = lines.map((l) => `<${/^(BUG|Kernel panic|=+$)/.test(l.text) ? 0 : 6}>${stamp(l.at)}${l.text}`);
  const parts: string[][] = [];
  let cur: string[] = [];
  let size = 0;
  for (let i = rendered.length - 1; i >= 0 && parts.length < 4; i--) {
    const l = rendered[i]!;
    if (size + l.length + 1 > partBytes && cur.length > 0) {
      parts.push(cur);
      cur = [];
      size = 0;
    }
    cur.unshift(l);
    size += l.length + 1;
  }
  if (cur.length > 0 && parts.length < 4) parts.push(cur);
  return parts.map((p, i) => ({
    name: `dmesg-efi-${timeSec}${i + 1}${String(count).padStart(2, '0')}`,
    text: `${reason}#${count} Part${i + 1}\n${p.join('\n')}\n`,
  }));
}

/** vmcore-dmesg.txt: the dying kernel's whole ring. */
export function vmcoreDmesg(lines: readonly LogLine[]): string {
  return lines.map((l) => stamp(l.at) + l.text + '\n').join('');
}

/** The /var/crash directory kdump names for a crash at `when`. */
export function crashDirName(when: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `127.0.0.1-${when.getUTCFullYear()}-${p(when.getUTCMonth() + 1)}-${p(when.getUTCDate())}-${p(when.getUTCHours())}:${p(when.getUTCMinutes())}:${p(when.getUTCSeconds())}`;
}

/** How many lines of a panicked boot reached the journal: those printed before the panic's instant. */
export function flushedLines(lines: readonly LogLine[], panicAtMs: number): number {
  let n = 0;
  while (n < lines.length && lines[n]!.at < panicAtMs) n++;
  return n;
}
