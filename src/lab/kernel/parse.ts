// The kernel's own string parsers, as the KFENCE parameter handlers call them
// (lib/kstrtox.c, lib/cmdline.c memparse, kernel strstrip). Pure functions; errors are errno names.

export type Errno = 'EINVAL' | 'ERANGE' | 'EBUSY' | 'ENOMEM' | 'EACCES' | 'EPERM' | 'ENOENT' | 'EIO' | 'EISDIR' | 'ENOTDIR';

export type Parsed<T> = { ok: true; value: T } | { ok: false; errno: Errno };

const U64_MAX = (1n << 64n) - 1n;

/** _parse_integer_fixup_radix + _parse_integer + the trailing-newline rule of _kstrtoull (base 0). */
export function kstrtoull(input: string): Parsed<bigint> {
  let s = input;
  if (s.startsWith('+')) s = s.slice(1);
  let base = 10n;
  if (s[0] === '0') {
    if ((s[1] === 'x' || s[1] === 'X') && s[2] !== undefined && /[0-9a-fA-F]/.test(s[2])) {
      base = 16n;
      s = s.slice(2);
    } else {
      base = 8n;
    }
  }
  let value = 0n;
  let digits = 0;
  let overflow = false;
  let i = 0;
  for (; i < s.length; i++) {
    const c = s[i]!;
    let d: number;
    if (c >= '0' && c <= '9') d = c.charCodeAt(0) - 48;
    else if (/[a-fA-F]/.test(c)) d = c.toLowerCase().charCodeAt(0) - 87;
    else break;
    if (BigInt(d) >= base) break;
    value = value * base + BigInt(d);
    if (value > U64_MAX) overflow = true;
    digits++;
  }
  if (digits === 0) return { ok: false, errno: 'EINVAL' };
  if (overflow) return { ok: false, errno: 'ERANGE' };
  let rest = s.slice(i);
  if (rest.startsWith('\n')) rest = rest.slice(1);
  if (rest !== '') return { ok: false, errno: 'EINVAL' };
  return { ok: true, value };
}

/** kstrtoul on a 64-bit kernel. */
export const kstrtoul = kstrtoull;

export function kstrtouint(input: string): Parsed<bigint> {
  const r = kstrtoull(input);
  if (r.ok && r.value > 0xffffffffn) return { ok: false, errno: 'ERANGE' };
  return r;
}

/** kstrtoll/kstrtol: a leading '-' then kstrtoull, range-checked as a signed 64-bit value. */
export function kstrtol(input: string): Parsed<bigint> {
  if (input.startsWith('-')) {
    const r = kstrtoull(input.slice(1));
    if (!r.ok) return r;
    if (r.value > 1n << 63n) return { ok: false, errno: 'ERANGE' };
    return { ok: true, value: -r.value };
  }
  const r = kstrtoull(input);
  if (!r.ok) return r;
  if (r.value >= 1n << 63n) return { ok: false, errno: 'ERANGE' };
  return r;
}

/** kstrtobool as in 5.10: only the first (and for 'o', the second) character matters. */
export function kstrtobool(input: string): Parsed<boolean> {
  switch (input[0]) {
    case 'y': case 'Y': case '1':
      return { ok: true, value: true };
    case 'n': case 'N': case '0':
      return { ok: true, value: false };
    case 'o': case 'O':
      if (input[1] === 'n' || input[1] === 'N') return { ok: true, value: true };
      if (input[1] === 'f' || input[1] === 'F') return { ok: true, value: false };
      return { ok: false, errno: 'EINVAL' };
    default:
      return { ok: false, errno: 'EINVAL' };
  }
}

/** strstrip: leading and trailing whitespace (isspace) removed. */
export function strstrip(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+/, '').replace(/[ \t\n\v\f\r]+$/, '');
}

/** memparse(): simple_strtoull(base 0) then an optional K/M/G/T/P/E suffix. Returns the value and the rest. */
export function memparse(s: string): { value: bigint; rest: string; consumed: number } {
  const m = /^(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)/.exec(s);
  if (!m) return { value: 0n, rest: s, consumed: 0 };
  const lit = m[1]!;
  let value = lit.startsWith('0x') || lit.startsWith('0X') ? BigInt(lit) : lit.length > 1 && lit.startsWith('0') ? BigInt('0o' + lit.slice(1)) : BigInt(lit);
  let rest = s.slice(lit.length);
  const shifts: Record<string, bigint> = { k: 10n, m: 20n, g: 30n, t: 40n, p: 50n, e: 60n };
  const suffix = rest[0]?.toLowerCase();
  if (suffix !== undefined && suffix in shifts) {
    value <<= shifts[suffix]!;
    rest = rest.slice(1);
  }
  return { value, rest, consumed: s.length - rest.length };
}

export const ERRNO_TEXT: Record<Errno, string> = {
  EINVAL: 'Invalid argument',
  ERANGE: 'Numerical result out of range',
  EBUSY: 'Device or resource busy',
  ENOMEM: 'Cannot allocate memory',
  EACCES: 'Permission denied',
  EPERM: 'Operation not permitted',
  ENOENT: 'No such file or directory',
  EIO: 'Input/output error',
  EISDIR: 'Is a directory',
  ENOTDIR: 'Not a directory',
};
