// kfence.booting_max syntax, as the Alinux kernel parses it (parse_kfence_booting_max, "mainly
// copied from parse_crashkernel_mem()"): <start>-[<end>]:<size>[,<start>-[<end>]:<size>...],
// every number through memparse() (K/M/G/T/P/E, powers of 1024), range [start, end), end > start.
// A string the kernel would reject disables boot-time KFENCE on the host, so it is refused here.
import { bad, describe, ok, memparse, sizeHint, type Parsed } from './values.js';

export interface BootingMaxRange {
  start: number;
  /** Exclusive; undefined = unbounded. */
  end?: number;
  /** Pool memory cap in bytes; 0 disables KFENCE at boot for hosts in this range. */
  size: number;
}

export const BOOTING_MAX_FORM = 'the form is <start>-[<end>]:<size>[,...], e.g. 0-2G:0,2G-32G:2M,32G-:32M';

export function parseBootingMax(s: string): Parsed<BootingMaxRange[]> {
  if (s.trim() === '') return bad('empty string', `${BOOTING_MAX_FORM}; use null to remove it from the command line`);
  if (/\s/.test(s)) return bad(`${JSON.stringify(s)} contains spaces`, 'the kernel command line splits on spaces: remove them');
  const ranges: BootingMaxRange[] = [];
  const segments = s.split(',');
  for (const [i, seg] of segments.entries()) {
    const where = segments.length > 1 ? ` in range ${i + 1} (${JSON.stringify(seg)})` : '';
    const m = /^([^-:]*)-([^-:]*):(.*)$/.exec(seg);
    if (!m) {
      const hint = seg.includes(':') ? `'-' expected after <start>; ${BOOTING_MAX_FORM}` : `':' expected before <size>; ${BOOTING_MAX_FORM}`;
      return bad(`${JSON.stringify(s)} is not valid${where}`, hint);
    }
    const [, startS = '', endS = '', sizeS = ''] = m;
    const start = memparse(startS);
    if (start === undefined) return bad(`start ${JSON.stringify(startS)} is not a size${where}`, sizeHint(startS));
    let end: number | undefined;
    if (endS !== '') {
      end = memparse(endS);
      if (end === undefined) return bad(`end ${JSON.stringify(endS)} is not a size${where}`, sizeHint(endS));
      if (end <= start) return bad(`end ${endS} is not above start ${startS}${where}`, 'each range is [start, end) with end > start');
    }
    const size = memparse(sizeS);
    if (size === undefined) return bad(`size ${JSON.stringify(sizeS)} is not a size${where}`, sizeHint(sizeS));
    ranges.push(end === undefined ? { start, size } : { start, end, size });
  }
  return ok(ranges);
}

export function bootingMax(v: unknown): Parsed<string | null> {
  if (v === null) return ok(null);
  if (typeof v !== 'string') {
    return bad(`expected a booting_max string or null, got ${describe(v)}`, `quote it: ${BOOTING_MAX_FORM}`);
  }
  const r = parseBootingMax(v);
  return r.ok ? ok(v) : r;
}
