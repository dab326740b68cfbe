// Ansible's INI plugin types every `key=value` value with Python's `ast.literal_eval`, keeping
// the raw string when that fails. This is the subset of Python literal syntax that matters:
// ints (dec/hex/oct/bin, underscores), floats, strings (prefixes, escapes, adjacent
// concatenation), True/False/None, lists, tuples, dicts, sets, one unary sign on a number, and
// `# comments`. Complex numbers and anything else are "not a literal" (the string is kept).
import type { VarValue } from './types.js';

class NotLiteral extends Error {}

const NUMBER =
  /^(?:0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|(?:\d(?:_?\d)*)?\.?(?:\d(?:_?\d)*)?(?:[eE][+-]?\d(?:_?\d)*)?)/;

class Parser {
  private i = 0;
  constructor(private readonly s: string) {}

  parse(): VarValue {
    const v = this.expr();
    this.ws();
    if (this.i < this.s.length) throw new NotLiteral();
    return v;
  }

  private ws(): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || c === '\f') this.i++;
      else if (c === '#') this.i = this.s.length;
      else return;
    }
  }

  private expr(): VarValue {
    this.ws();
    const c = this.s[this.i];
    if (c === '+' || c === '-') {
      this.i++;
      this.ws();
      const n = this.number();
      if (n === undefined) throw new NotLiteral();
      return c === '-' ? -n : n;
    }
    return this.atom();
  }

  private atom(): VarValue {
    const s = this.s;
    const c = s[this.i];
    if (c === undefined) throw new NotLiteral();
    if (c === '[') return this.seq(']');
    if (c === '(') {
      this.i++;
      this.ws();
      if (s[this.i] === ')') {
        this.i++;
        return [];
      }
      const first = this.expr();
      this.ws();
      if (s[this.i] === ')') {
        this.i++;
        return first;
      }
      if (s[this.i] !== ',') throw new NotLiteral();
      this.i++;
      return [first, ...this.items(')')];
    }
    if (c === '{') return this.brace();
    const n = this.number();
    if (n !== undefined) return n;
    const str = this.strings();
    if (str !== undefined) return str;
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.i));
    if (m) {
      this.i += m[0].length;
      if (m[0] === 'True') return true;
      if (m[0] === 'False') return false;
      if (m[0] === 'None') return null;
    }
    throw new NotLiteral();
  }

  private items(close: string): VarValue[] {
    const out: VarValue[] = [];
    for (;;) {
      this.ws();
      if (this.s[this.i] === close) {
        this.i++;
        return out;
      }
      out.push(this.expr());
      this.ws();
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== close) throw new NotLiteral();
    }
  }

  private seq(close: string): VarValue[] {
    this.i++;
    return this.items(close);
  }

  private brace(): VarValue {
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') {
      this.i++;
      return {};
    }
    const k0 = this.expr();
    this.ws();
    if (this.s[this.i] !== ':') {
      // a set: Python has no JSON form for it; Ansible's JSON shows a list
      if (this.s[this.i] === ',') this.i++;
      else if (this.s[this.i] !== '}') throw new NotLiteral();
      const rest = this.items('}');
      const out: VarValue[] = [];
      for (const v of [k0, ...rest]) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(v))) out.push(v);
      return out;
    }
    const obj: Record<string, VarValue> = {};
    let key = k0;
    for (;;) {
      this.i++; // ':'
      const v = this.expr();
      if (Array.isArray(key) || (key !== null && typeof key === 'object')) throw new NotLiteral(); // unhashable / no JSON key
      obj[pyKey(key)] = v;
      this.ws();
      if (this.s[this.i] === ',') {
        this.i++;
        this.ws();
      }
      if (this.s[this.i] === '}') {
        this.i++;
        return obj;
      }
      key = this.expr();
      this.ws();
      if (this.s[this.i] !== ':') throw new NotLiteral();
    }
  }

  private number(): number | undefined {
    const rest = this.s.slice(this.i);
    const m = NUMBER.exec(rest);
    const t = m?.[0] ?? '';
    if (!/^\.?\d/.test(t)) return undefined;
    const next = rest[t.length];
    if (next !== undefined && /[A-Za-z0-9_.]/.test(next)) throw new NotLiteral(); // 1j, 1a, 1.2.3
    this.i += t.length;
    const clean = t.replace(/_/g, '');
    if (/^0[xXoObB]/.test(clean)) return Number(clean.toLowerCase());
    if (/[.eE]/.test(clean)) return Number(clean);
    if (/^0+\d/.test(clean) && /[1-9]/.test(clean)) throw new NotLiteral(); // 01: leading zeros
    return Number(clean);
  }

  private strings(): string | undefined {
    let out: string | undefined;
    let kind: 'b' | 's' | undefined;
    for (;;) {
      this.ws();
      const m = /^([rRuUbB]|[bB][rR]|[rR][bB])?('''|"""|'|")/.exec(this.s.slice(this.i));
      if (!m) return out;
      const prefix = (m[1] ?? '').toLowerCase();
      const k = prefix.includes('b') ? 'b' : 's';
      if (kind && kind !== k) throw new NotLiteral(); // bytes + str
      kind = k;
      this.i += m[0].length;
      out = (out ?? '') + this.body(m[2] ?? '"', prefix.includes('r'));
    }
  }

  private body(q: string, raw: boolean): string {
    const s = this.s;
    let out = '';
    for (;;) {
      if (this.i >= s.length) throw new NotLiteral();
      if (s.startsWith(q, this.i)) {
        this.i += q.length;
        return out;
      }
      const c = s[this.i] as string;
      if (c === '\n' && q.length === 1) throw new NotLiteral();
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const n = s[this.i + 1];
      if (n === undefined) throw new NotLiteral();
      if (raw) {
        out += c + n;
        this.i += 2;
        continue;
      }
      this.i += 2;
      const simple: Record<string, string> = { '\\': '\\', "'": "'", '"': '"', n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', f: '\f', v: '\v', '\n': '' };
      if (n in simple) out += simple[n];
      else if (/[0-7]/.test(n)) {
        const m = /^[0-7]{1,3}/.exec(s.slice(this.i - 1)) as RegExpExecArray;
        out += String.fromCodePoint(parseInt(m[0], 8));
        this.i += m[0].length - 1;
      } else if (n === 'x' || n === 'u' || n === 'U') {
        const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
        const hex = s.slice(this.i, this.i + len);
        if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new NotLiteral();
        out += String.fromCodePoint(parseInt(hex, 16));
        this.i += len;
      } else out += c + n; // unknown escapes keep the backslash
    }
  }
}

function pyKey(k: VarValue): string {
  if (k === null) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  return String(k);
}

/** `ast.literal_eval(v)` where it succeeds, else `v` unchanged (Ansible's INI `_parse_value`). */
export function parsePythonLiteral(v: string): VarValue {
  try {
    return new Parser(v.replace(/^[ \t]+/, '')).parse();
  } catch (e) {
    if (e instanceof NotLiteral || e instanceof RangeError) return v;
    throw e;
  }
}
