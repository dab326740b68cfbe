// Leaf value parsers for the playbook: each takes the raw YAML value and returns the normalized
// value or a message plus a hint aimed at the habit that most likely produced the mistake
// (YAML 1.1 booleans, quoted numbers, "10 minutes", "0.1" for a share, ...). Pure.
import { closest } from './suggest.js';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; hint?: string };

export const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const bad = (message: string, hint?: string): Parsed<never> =>
  hint === undefined ? { ok: false, message } : { ok: false, message, hint };

/** How a raw value reads in a message: `the string "yes"`, `the number 1.5`, `a list`, ... */
export function describe(v: unknown): string {
  if (v === null || v === undefined) return 'nothing (an empty value)';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  if (typeof v === 'number' || typeof v === 'bigint') return `the number ${String(v)}`;
  if (typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return 'a list';
  if (v instanceof Uint8Array) return 'binary data';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

const YAML11_BOOL = /^(y|yes|n|no|on|off|true|false)$/i;
const DECIMAL = /^[+-]?\d+(\.\d+)?$/;

function emptyHint(v: unknown): string | undefined {
  return v === null ? 'give a value, or remove the key to use the default' : undefined;
}

export function bool(v: unknown): Parsed<boolean> {
  if (typeof v === 'boolean') return ok(v);
  if (typeof v === 'string' && YAML11_BOOL.test(v.trim())) {
    return bad(
      `expected true or false, got ${describe(v)}`,
      'YAML 1.2 reads yes/no/on/off (and quoted "true") as strings: use true or false',
    );
  }
  if (v === 1 || v === 0) return bad(`expected true or false, got ${describe(v)}`, 'use true or false');
  return bad(`expected true or false, got ${describe(v)}`, emptyHint(v));
}

export interface IntRange {
  min: number;
  max?: number;
}

function rangeText(r: IntRange): string {
  return r.max === undefined ? `at least ${r.min}` : `between ${r.min} and ${r.max}`;
}

/** A number (integer unless `fraction`), within range. */
export function num(v: unknown, r: IntRange & { fraction?: boolean; what?: string }): Parsed<number> {
  const what = r.what ?? (r.fraction ? 'a number' : 'a whole number');
  if (typeof v === 'string') {
    const t = v.trim();
    if (DECIMAL.test(t)) return bad(`expected ${what}, got ${describe(v)}`, `write ${t} without quotes`);
    if (/^\d+(\.\d+)?\s*%$/.test(t) && r.fraction) {
      return bad(`expected ${what}, got ${describe(v)}`, `write the percentage as a bare number: ${t.replace(/\s*%$/, '')}`);
    }
    return bad(`expected ${what}, got ${describe(v)}`);
  }
  if (typeof v !== 'number' || Number.isNaN(v)) return bad(`expected ${what}, got ${describe(v)}`, emptyHint(v));
  if (!r.fraction && !Number.isInteger(v)) return bad(`expected a whole number, got ${describe(v)}`);
  if (!Number.isFinite(v) || Math.abs(v) > Number.MAX_SAFE_INTEGER) return bad(`${String(v)} is too large`);
  if (v < r.min || (r.max !== undefined && v > r.max)) {
    return bad(`must be ${rangeText(r)}, got ${String(v)}`);
  }
  return ok(v);
}

export function oneOf<T extends string>(allowed: readonly T[]) {
  return (v: unknown): Parsed<T> => {
    if (typeof v === 'string' && (allowed as readonly string[]).includes(v)) return ok(v as T);
    const msg = `expected one of ${allowed.join(' | ')}, got ${describe(v)}`;
    if (typeof v === 'string') {
      const near = closest(v, allowed);
      if (near !== undefined) return bad(msg, `did you mean ${near}?`);
    }
    if (typeof v === 'boolean' && allowed.includes('off' as T)) {
      return bad(msg, 'YAML 1.2 does not turn off into false, but this value was a boolean: write the word, e.g. off');
    }
    return bad(msg, emptyHint(v));
  };
}

export function text(v: unknown, what = 'a string'): Parsed<string> {
  if (typeof v === 'string' && v.trim() !== '') return ok(v);
  if (typeof v === 'string') return bad(`expected ${what}, got an empty string`);
  return bad(`expected ${what}, got ${describe(v)}`, emptyHint(v));
}

// ---- durations -----------------------------------------------------------------------------

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DURATION = /^(?:\d+(?:ms|s|m|h))+$/;
export const DURATION_FORMS = 'write 500ms, 90s, 10m, 1h, 1h30m, or a bare number of seconds';

/** "90s", "10m", "1h30m", "500ms", or a bare integer of seconds, to milliseconds. */
export function duration(v: unknown, r: { min_ms: number } = { min_ms: 0 }): Parsed<number> {
  let ms: number;
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) return bad(`expected a duration, got ${describe(v)}`, DURATION_FORMS);
    ms = v * 1000;
  } else if (typeof v === 'string') {
    const t = v.trim();
    if (/^\d+$/.test(t)) return bad(`expected a duration, got ${describe(v)}`, `write ${t}s, or ${t} without quotes (seconds)`);
    if (!DURATION.test(t)) {
      const squeezed = t.replace(/\s+/g, '');
      const hint = squeezed !== t && DURATION.test(squeezed) ? `write ${squeezed} without spaces` : DURATION_FORMS;
      return bad(`expected a duration, got ${describe(v)}`, hint);
    }
    ms = 0;
    for (const m of t.matchAll(/(\d+)(ms|s|m|h)/g)) ms += Number(m[1]) * (UNIT_MS[m[2] ?? ''] ?? 0);
  } else {
    return bad(`expected a duration, got ${describe(v)}`, emptyHint(v) ?? DURATION_FORMS);
  }
  if (!Number.isSafeInteger(ms)) return bad(`duration ${String(v)} is too long`);
  if (ms < r.min_ms) return bad(`must be at least ${r.min_ms} ms, got ${String(v)}`);
  return ok(ms);
}

// ---- shares, sizes -------------------------------------------------------------------------

const PERCENT = /^(\d+(?:\.\d+)?)%$/;

/** "10%" to 10 (0 < N <= 100); undefined when `v` is not written as a percentage at all. */
export function percent(v: unknown): Parsed<number> | undefined {
  if (typeof v !== 'string') return undefined;
  const t = v.trim();
  const m = PERCENT.exec(t);
  if (m) {
    const p = Number(m[1]);
    return p > 0 && p <= 100 ? ok(p) : bad(`a share must be above 0% and at most 100%, got ${t}`);
  }
  const spaced = /^(\d+(?:\.\d+)?)\s+%$/.exec(t);
  if (spaced) return bad(`expected a share like "10%", got ${describe(v)}`, `write "${spaced[1]}%" without a space`);
  return undefined;
}

const MEM_SUFFIX: Record<string, number> = { '': 0, k: 10, m: 20, g: 30, t: 40, p: 50, e: 60 };

/** The kernel's memparse(): a number with an optional K/M/G/T/P/E suffix (powers of 1024). */
export function memparse(s: string): number | undefined {
  const m = /^(0|[1-9]\d*|0x[0-9a-f]+)([kmgtpe]?)$/i.exec(s);
  if (!m) return undefined;
  const n = Number(m[1]) * 2 ** (MEM_SUFFIX[(m[2] ?? '').toLowerCase()] ?? 0);
  return Number.isFinite(n) ? n : undefined;
}

/** A hint for a size the kernel would not take: "512MB", "2 G", "1.5G", "010M". */
export function sizeHint(s: string): string {
  const t = s.replace(/\s+/g, '');
  const unit = /^(\d+)([kmgtpe])i?b$/i.exec(t);
  if (unit) return `write ${unit[1]}${(unit[2] ?? '').toUpperCase()}: sizes use the kernel's K/M/G/T suffixes (powers of 1024)`;
  if (t !== s && memparse(t) !== undefined) return `write ${t} without spaces`;
  if (/^0\d/.test(t)) return 'drop the leading zero: the kernel reads it as octal';
  if (/^\d+\.\d+/.test(t)) return 'the kernel takes whole numbers only: use a smaller unit, e.g. 1536M for 1.5G';
  return 'a size is a whole number with an optional K/M/G/T/P/E suffix, e.g. 512M or 2G';
}

export interface Budget {
  percent?: number;
  bytes?: number;
}

/** memory_budget: "10%" of MemTotal, or an absolute size like "512M". */
export function budget(v: unknown): Parsed<Budget> {
  const p = percent(v);
  if (p) return p.ok ? ok({ percent: p.value }) : p;
  const forms = 'write a share of RAM like "10%" or a size like "512M" or "2G"';
  if (typeof v === 'number') {
    const hint = v > 0 && v < 1 ? `write the share as a percentage: "${+(v * 100).toFixed(4)}%"` : forms;
    return bad(`expected a memory budget, got ${describe(v)}`, hint);
  }
  if (typeof v !== 'string') return bad(`expected a memory budget, got ${describe(v)}`, forms);
  const bytes = memparse(v.trim());
  if (bytes === undefined) return bad(`expected a memory budget, got ${describe(v)}`, sizeHint(v.trim()));
  if (bytes <= 0) return bad('a memory budget of 0 refuses every plan', forms);
  return ok({ bytes });
}

// ---- slab cache names ----------------------------------------------------------------------

const SLAB_NAME = /^[A-Za-z0-9_.:-]+$/;

/** A /sys/kernel/slab/<name> directory name: no path characters, never "." or "..". */
export function slabName(v: unknown): Parsed<string> {
  if (typeof v !== 'string') return bad(`expected a slab cache name, got ${describe(v)}`);
  if (v === '.' || v === '..' || !SLAB_NAME.test(v)) {
    return bad(
      `${JSON.stringify(v)} is not a slab cache name`,
      'use the directory name from /sys/kernel/slab, e.g. kmalloc-64 (letters, digits, _ . : -)',
    );
  }
  return ok(v);
}
