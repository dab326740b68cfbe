// kfence.booting_max (Anolis, boot only): syntax, evaluation against the host's memory and the
// resulting num_objects cap (kfence-interface.md §3.1-§3.2, A66 parse_kfence_booting_max).

import { pudSize } from './constants.js';

/** Linux memparse(): a number (base 0: 0x.., leading 0 = octal) with an optional K/M/G/T/P/E suffix. Returns null when no digits. */
export function memparse(s: string): { value: number; rest: string } | null {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)([KkMmGgTtPpEe]?)/.exec(s);
  if (!m || m[1] === undefined) return null;
  const digits = m[1];
  let value = /^0[xX]/.test(digits) ? parseInt(digits.slice(2), 16) : digits.length > 1 && digits.startsWith('0') ? parseInt(digits, 8) : Number(digits);
  const shift = { '': 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 }[(m[2] ?? '').toLowerCase()] ?? 0;
  value *= 2 ** shift;
  return { value, rest: s.slice(m[0].length) };
}

export interface BootingMaxRange {
  start: number;
  /** Exclusive; null = unbounded. */
  end: number | null;
  size: number;
}

/** Where the kernel stopped: which field of which range (1-based), and the text it stood on. */
export interface BootingMaxError {
  ok: false;
  /** The kernel's own words (logged as `kfence: kfence.booting_max: <error>`). */
  error: 'Memory value expected' | "'-' expected" | 'end <= start' | "':' expected";
  range: number;
  field: 'start' | 'end' | 'size';
  /** The text of that field up to the next separator (for end <= start: the end). */
  token: string;
  /** The start's text (for end <= start). */
  startText: string;
}

export type BootingMaxParse =
  | {
      ok: true;
      ranges: BootingMaxRange[];
      /** Each number as written, per range (a reader may warn about octal or odd spellings). */
      texts: Array<{ start: string; end: string; size: string }>;
      /** Text after the last range, which the kernel ignores (it stops at the first character that is not ','). */
      rest: string;
    }
  | BootingMaxError;

const field = (s: string): string => /^[^,:-]*/.exec(s)?.[0] ?? '';

/**
 * Parse "<start>-[<end>]:<size>[,...]" exactly like the kernel (A66 parse_kfence_booting_max).
 * The one set of booting_max rules: the playbook validator and the boot outcome both use it.
 */
export function parseBootingMax(text: string): BootingMaxParse {
  const ranges: BootingMaxRange[] = [];
  const texts: Array<{ start: string; end: string; size: string }> = [];
  let cur = text;
  const fail = (error: BootingMaxError['error'], f: BootingMaxError['field'], token: string, startText = ''): BootingMaxError => ({ ok: false, error, range: ranges.length + 1, field: f, token, startText });
  for (;;) {
    const start = memparse(cur);
    if (!start) return fail('Memory value expected', 'start', field(cur));
    const startText = cur.slice(0, cur.length - start.rest.length);
    cur = start.rest;
    if (!cur.startsWith('-')) return fail("'-' expected", 'start', startText + field(cur));
    cur = cur.slice(1);
    let end: number | null = null;
    let endText = '';
    if (!cur.startsWith(':')) {
      const e = memparse(cur);
      if (!e) return fail('Memory value expected', 'end', field(cur));
      endText = cur.slice(0, cur.length - e.rest.length);
      end = e.value;
      cur = e.rest;
      if (end <= start.value) return fail('end <= start', 'end', endText, startText);
    }
    if (!cur.startsWith(':')) return fail("':' expected", 'end', endText + field(cur));
    cur = cur.slice(1);
    const size = memparse(cur);
    if (!size) return fail('Memory value expected', 'size', field(cur));
    texts.push({ start: startText, end: endText, size: cur.slice(0, cur.length - size.rest.length) });
    cur = size.rest;
    ranges.push({ start: start.value, end, size: size.value });
    if (cur.startsWith(',')) {
      cur = cur.slice(1);
      continue;
    }
    // The kernel stops at the first character that is not ','; trailing text ends the list.
    return { ok: true, ranges, texts, rest: cur };
  }
}

export type BootingMaxEffect =
  | { kind: 'none' } // no range matched: the cap stays at PUD_SIZE
  | { kind: 'cap'; maxObjects: number; size: number }
  | { kind: 'disabled'; reason: string };

/** Evaluate a booting_max value against the host's memory (bytes) with the kernel's rules. */
export function evaluateBootingMax(text: string, memBytes: number, pageSize: number, pud = pudSize(pageSize)): BootingMaxEffect {
  const p = parseBootingMax(text);
  if (!p.ok) return { kind: 'disabled', reason: `kfence.booting_max: ${p.error}` };
  const r = p.ranges.find((x) => memBytes >= x.start && (x.end === null || memBytes < x.end));
  if (!r) return { kind: 'none' };
  const nrPages = Math.floor(Math.min(r.size, pud) / pageSize);
  if (nrPages < 4) {
    return { kind: 'disabled', reason: `kfence.booting_max size resulted in ${r.size === 0 ? 'zero bytes' : `${r.size} bytes (< 4 pages)`}, disabled` };
  }
  return { kind: 'cap', maxObjects: Math.floor(nrPages / 2) - 1, size: r.size };
}
