// `kfleet report --log FILE...`: saved kernel logs read with the same parser as live hosts. A file
// may be a serial console capture, `dmesg` output (with or without stamps, with `[T123]` caller
// ids), `journalctl -k` output, kdump's vmcore-dmesg.txt, a netconsole archive (plain or extended
// records) or any of these gzip-compressed (`.gz`); log-line.ts strips each shape's prefixes.

import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { KfleetError, EXIT } from '../errors.js';
import { parseDmesg } from './parse-dmesg.js';
import type { HostReports } from './types.js';

/** The text of a saved log (gunzipped when it starts with the gzip magic). */
export function readLogText(path: string): string {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new KfleetError('USAGE', `--log ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`, {
      exitCode: EXIT.INPUT,
      hint: 'give the path of a saved kernel log (console capture, dmesg, journalctl -k, vmcore-dmesg.txt, netconsole)',
    });
  }
  if (buf.length > 2 && buf[0] === 0x1f && buf[1] === 0x8b) buf = gunzipSync(buf);
  return buf.toString('utf8');
}

/** One saved log as one "host": its name is the file's path; its release comes from the reports' CPU lines. */
export function reportsFromLog(path: string, text = readLogText(path)): HostReports {
  const { reports } = parseDmesg(text);
  const release = reports.find((r) => r.cpu?.release)?.cpu?.release;
  return { host: path, ...(release ? { release } : {}), reports };
}
