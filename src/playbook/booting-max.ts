// kfence.booting_max in a playbook: the kernel's own rules (src/kernel/booting-max.ts, the one
// parser) plus what a user should hear about them. A string the kernel would reject disables
// boot-time KFENCE on the host, so it is refused here; so are trailing text the kernel would
// silently ignore and octal numbers (a leading 0), which the kernel takes but nobody means.
import { parseBootingMax as kernelParse } from '../kernel/booting-max.js';
import { bad, describe, ok, sizeHint, type Parsed } from './values.js';

export interface BootingMaxRange {
  start: number;
  /** Exclusive; undefined = unbounded. */
  end?: number;
  /** Pool memory cap in bytes; 0 disables KFENCE at boot for hosts in this range. */
  size: number;
}

const field = (t: string): string => /^[^,]*/.exec(t)?.[0] ?? '';

export const BOOTING_MAX_FORM = 'the form is <start>-[<end>]:<size>[,...], e.g. 0-2G:0,2G-32G:2M,32G-:32M';

export function parseBootingMax(s: string): Parsed<BootingMaxRange[]> {
  if (s.trim() === '') return bad('empty string', `${BOOTING_MAX_FORM}; use null to remove it from the command line`);
  if (/\s/.test(s)) return bad(`${JSON.stringify(s)} contains spaces`, 'the kernel command line splits on spaces: remove them');
  const p = kernelParse(s);
  const multi = s.includes(',');
  if (!p.ok) {
    const where = multi ? ` in range ${p.range} (${JSON.stringify(s.split(',')[p.range - 1] ?? '')})` : '';
    if (p.error === 'end <= start') return bad(`end ${p.token} is not above start ${p.startText}${where}`, 'each range is [start, end) with end > start');
    if (p.error === 'Memory value expected' && p.token !== '') return bad(`${p.field} ${JSON.stringify(p.token)} is not a size${where}`, sizeHint(p.token));
    const hint = p.error === "'-' expected" ? `'-' expected after <start>; ${BOOTING_MAX_FORM}` : p.error === "':' expected" ? `':' expected before <size>; ${BOOTING_MAX_FORM}` : `${p.field} expected; ${BOOTING_MAX_FORM}`;
    return bad(`${JSON.stringify(s)} is not valid${where} (the kernel says: ${p.error})`, hint);
  }
  if (p.rest !== '') {
    // "2MB", "1.5G": the size runs on; anything else is text after the list.
    const tail = `${p.texts[p.texts.length - 1]?.size ?? ''}${p.rest}`;
    if (/^[A-Za-z0-9.]/.test(p.rest)) return bad(`size ${JSON.stringify(field(tail))} is not a size${multi ? ` in range ${p.ranges.length}` : ''}`, sizeHint(field(tail)));
    return bad(`${JSON.stringify(s)}: the kernel stops reading at ${JSON.stringify(p.rest)} and ignores the rest`, `separate ranges with ','; ${BOOTING_MAX_FORM}`);
  }
  for (const t of p.texts) {
    for (const [name, text] of [['start', t.start], ['end', t.end], ['size', t.size]] as const) {
      if (/^0[0-7]/.test(text)) return bad(`${name} ${JSON.stringify(text)} is not a size (a leading 0 is octal to the kernel)`, sizeHint(text));
    }
  }
  return ok(p.ranges.map((r) => (r.end === null ? { start: r.start, size: r.size } : { start: r.start, end: r.end, size: r.size })));
}

export function bootingMax(v: unknown): Parsed<string | null> {
  if (v === null) return ok(null);
  if (typeof v !== 'string') {
    return bad(`expected a booting_max string or null, got ${describe(v)}`, `quote it: ${BOOTING_MAX_FORM}`);
  }
  const r = parseBootingMax(v);
  return r.ok ? ok(v) : r;
}
