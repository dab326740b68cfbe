// Reports from the boots that ended: a host's previous boots in a persistent journal, pstore
// records (/sys/fs/pstore, and the copies systemd-pstore keeps under /var/lib/systemd/pstore)
// and kdump's /var/crash/*/vmcore-dmesg.txt. One remote command lists and prints only what was
// not read before (the boot ids and files in `seen`), one parser splits it.
//
// A report can reach several of these (the journal flushed it, the panic's pstore record and
// kdump's dmesg hold it too), so pastReports drops a file's report whose fingerprint (title,
// address, allocation and free stamps: printed text, equal in every copy) was already taken.

import { shq } from '../shell-quote.js';
import { readNewKernelLog } from './cursor.js';
import { parseDmesg } from './parse-dmesg.js';
import type { DmesgCursor, KfenceReport } from './types.js';

export const FILE_GLOBS = ['/sys/fs/pstore/dmesg-*', '/var/lib/systemd/pstore/*/dmesg-*', '/var/crash/*/vmcore-dmesg.txt'];

const BOOT_MARK = '@@kfleet-boot ';
const FILE_MARK = '@@kfleet-file ';

export interface Seen {
  /** Boot ids (any form) whose journal was read to its end, the current boot included. */
  boots: readonly string[];
  /** Files already read. */
  files: readonly string[];
}

export const bootKey = (id: string): string => id.replace(/-/g, '').toLowerCase();

/** A POSIX sh command printing every unread past boot's kernel journal and every unread crash file. */
export function pastBootsCommand(seen: Seen): string {
  const boots = ` ${seen.boots.map(bootKey).join(' ')} `;
  const files = `\n${seen.files.join('\n')}\n`;
  return [
    `seen=${shq(boots)}`,
    `files=${shq(files)}`,
    'journalctl --list-boots --no-pager 2>/dev/null | while read -r idx id rest; do',
    '  case "$id" in *[!0-9a-f]*|"") continue;; esac',
    '  case "$seen" in *" $id "*) continue;; esac',
    `  echo "${BOOT_MARK}$id"`,
    '  journalctl -k -b "$id" -o short-monotonic --no-pager -q 2>/dev/null',
    'done',
    `for f in ${FILE_GLOBS.join(' ')}; do`,
    '  [ -f "$f" ] || continue',
    '  case "$files" in *"\n$f\n"*) continue;; esac',
    `  echo "${FILE_MARK}$f"`,
    '  cat "$f"',
    'done',
    'true',
  ].join('\n');
}

export interface PastRead {
  /** Journal text per past boot (boot key -> text), in the order listed (oldest first). */
  boots: { boot: string; text: string }[];
  files: { path: string; text: string }[];
}

export function parsePastBoots(stdout: string): PastRead {
  const boots: { boot: string; lines: string[] }[] = [];
  const files: { path: string; lines: string[] }[] = [];
  let cur: string[] | null = null;
  for (const line of stdout.split('\n')) {
    if (line.startsWith(BOOT_MARK)) boots.push({ boot: bootKey(line.slice(BOOT_MARK.length).trim()), lines: (cur = []) });
    else if (line.startsWith(FILE_MARK)) files.push({ path: line.slice(FILE_MARK.length), lines: (cur = []) });
    else cur?.push(line);
  }
  return { boots: boots.map((b) => ({ boot: b.boot, text: b.lines.join('\n') })), files: files.map((f) => ({ path: f.path, text: f.lines.join('\n') })) };
}

const PSTORE_HEAD = /^(Panic|Oops|Emergency|Restart|Halt|Poweroff|Unknown)#(\d+) Part(\d+)\s*$/;

/** pstore parts of one record, joined oldest first (Part1 is the end of the log); other files as they are. */
export function joinPstore(files: readonly { path: string; text: string }[]): { source: string; text: string }[] {
  const records = new Map<string, { part: number; path: string; body: string }[]>();
  const out: { source: string; text: string }[] = [];
  for (const f of files) {
    const nl = f.text.indexOf('\n');
    const head = PSTORE_HEAD.exec(nl < 0 ? f.text : f.text.slice(0, nl));
    if (!head) {
      out.push({ source: f.path, text: f.text });
      continue;
    }
    const dir = f.path.slice(0, f.path.lastIndexOf('/'));
    const key = `${dir}\n${head[1]}#${head[2]}`;
    const list = records.get(key) ?? [];
    list.push({ part: Number(head[3]), path: f.path, body: nl < 0 ? '' : f.text.slice(nl + 1) });
    records.set(key, list);
  }
  for (const parts of records.values()) {
    parts.sort((a, b) => b.part - a.part);
    out.push({ source: parts[parts.length - 1]!.path, text: parts.map((p) => p.body).join('\n') });
  }
  return out;
}

/** A report's identity across sources: its title, address and allocation/free stamps (printed text, equal everywhere). */
export function fingerprint(r: KfenceReport): string {
  return [r.title, r.address ?? '', r.allocated?.at_s ?? '', r.freed?.at_s ?? '', r.object_index ?? ''].join('|');
}

export interface PastReports {
  /** Reports per source: `journal -b BOOT` or a file path. */
  sources: { source: string; boot: string | null; reports: KfenceReport[] }[];
  /** Fingerprints now known (the input ones plus those taken here), for the next read. */
  known: Record<string, number>;
  read_boots: string[];
  read_files: string[];
}

/**
 * The reports of a past read. `cursors` are where live reading stopped in each boot (the rest of
 * that boot is read from the journal); `known` holds the fingerprints of reports already taken
 * (live, from a journal or a crash file): a crash file's copy of one of them is dropped.
 */
export function pastReports(read: PastRead, cursors: Readonly<Record<string, DmesgCursor>>, known: Readonly<Record<string, number>>): PastReports {
  const k: Record<string, number> = { ...known };
  const sources: PastReports['sources'] = [];
  for (const b of read.boots) {
    const c = cursors[b.boot] ?? null;
    const res = readNewKernelLog(b.text, b.boot, c ? { ...c, boot_id: b.boot } : null, { final: true });
    for (const r of res.reports) k[fingerprint(r)] = 1;
    if (res.reports.length) sources.push({ source: `journal -b ${b.boot}`, boot: b.boot, reports: res.reports });
  }
  for (const f of joinPstore(read.files)) {
    const fresh = parseDmesg(f.text).reports.filter((r) => !k[fingerprint(r)]);
    for (const r of fresh) k[fingerprint(r)] = 1;
    if (fresh.length) sources.push({ source: f.source, boot: null, reports: fresh });
  }
  return { sources, known: k, read_boots: read.boots.map((b) => b.boot), read_files: read.files.map((f) => f.path) };
}
