// Kernel command-line tokens: split like the kernel's next_arg() (double quotes group, no escapes),
// read the last occurrence of a key (the kernel applies params in order, so the last one wins),
// and edit a line: set or remove keys, keeping every other token as it was.

export interface CmdToken {
  key: string;
  /** null for a bare flag like "quiet". */
  value: string | null;
  raw: string;
}

const isSpace = (c: number): boolean => c === 32 || (c >= 9 && c <= 13);

function token(raw: string): CmdToken {
  const unq = raw.includes('"') ? raw.replace(/"/g, '') : raw;
  const eq = unq.indexOf('=');
  return eq < 0 ? { key: unq, value: null, raw } : { key: unq.slice(0, eq), value: unq.slice(eq + 1), raw };
}

// Command lines repeat across hosts and calls: keep the last few tokenizations (pure, bounded).
const memo = new Map<string, readonly CmdToken[]>();

export function tokenize(line: string): readonly CmdToken[] {
  const hit = memo.get(line);
  if (hit) return hit;
  const out: CmdToken[] = [];
  const s = line;
  let i = 0;
  while (i < s.length) {
    while (i < s.length && isSpace(s.charCodeAt(i))) i++;
    if (i >= s.length) break;
    const start = i;
    let inQuote = false;
    while (i < s.length && (inQuote || !isSpace(s.charCodeAt(i)))) {
      if (s.charCodeAt(i) === 34) inQuote = !inQuote;
      i++;
    }
    out.push(token(s.slice(start, i)));
  }
  if (memo.size >= 256) memo.clear();
  memo.set(line, out);
  return out;
}

/** Value of the last occurrence of key; undefined when absent; null for a bare flag. */
export function lastValue(line: string, key: string): string | null | undefined {
  let v: string | null | undefined;
  for (const t of tokenize(line)) if (t.key === key) v = t.value;
  return v;
}

/** Last value of every `kfence.*` key on the line. */
export function kfenceArgs(line: string): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const t of tokenize(line)) if (t.key.startsWith('kfence.')) out[t.key] = t.value;
  return out;
}

/** The command-line keys kfleet manages: the kernel's kfence.* and kfleet's own kfleet.* marker
 *  (kfleet.boot_unit=<hash>, which the kernel ignores). */
export function isManagedKey(k: string): boolean {
  return k.startsWith('kfence.') || k.startsWith('kfleet.');
}

/**
 * Last value of every managed key (kfence.*, kfleet.*), tokenized like the kernel (quotes group
 * and are stripped). The one kfence command-line tokenizer: status, revert and the grubby
 * read-back use it.
 */
export function managedTokens(line: string): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const t of tokenize(line.trim())) if (isManagedKey(t.key)) m.set(t.key, t.value);
  return m;
}

/** Managed tokens that differ between two lines: `k=v` set or changed on `to`, `-k` gone from it. */
export function managedDiff(from: string, to: string): string[] {
  const a = managedTokens(from);
  const b = managedTokens(to);
  const out: string[] = [];
  for (const [k, v] of b) if (!a.has(k) || a.get(k) !== v) out.push(v === null ? k : `${k}=${v}`);
  for (const k of a.keys()) if (!b.has(k)) out.push(`-${k}`);
  return out;
}

export function formatToken(key: string, value: string | null): string {
  if (value === null) return key;
  return /\s/.test(value) ? `${key}="${value}"` : `${key}=${value}`;
}

/**
 * Apply edits to a line: key -> value sets the key (replacing its first occurrence in place and
 * dropping later duplicates, or appending), key -> null removes every occurrence.
 */
export function editCmdline(line: string, edits: Record<string, string | null>): string {
  const toks = tokenize(line);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const t of toks) {
    if (!Object.hasOwn(edits, t.key)) {
      out.push(t.raw);
      continue;
    }
    const v = edits[t.key];
    if (v === null || v === undefined || seen.has(t.key)) continue;
    seen.add(t.key);
    out.push(formatToken(t.key, v));
  }
  for (const [k, v] of Object.entries(edits)) {
    if (v !== null && !seen.has(k)) out.push(formatToken(k, v));
  }
  return out.join(' ');
}

/** Does the line carry exactly these values (last occurrence; null = absent)? */
export function carries(line: string, want: Record<string, string | null>): boolean {
  const have = tokenize(line);
  for (const [k, v] of Object.entries(want)) {
    let last: string | null | undefined;
    for (const t of have) if (t.key === k) last = t.value;
    if (v === null ? last !== undefined : last !== v) return false;
  }
  return true;
}

/**
 * What `grubby --update-kernel K --remove-args "<remove>" --args "<add>"` does to an entry's args:
 * every occurrence of a removed key goes, then each added token replaces the key's first
 * occurrence in place (later duplicates dropped) or is appended, in the order given.
 */
export function grubbyApply(line: string, add: readonly string[], remove: readonly string[]): string {
  const dropped: Record<string, null> = {};
  for (const k of remove) dropped[k] = null;
  let out = remove.length ? editCmdline(line, dropped) : line;
  for (const a of add) {
    const [t] = tokenize(a);
    if (t) out = editCmdline(out, { [t.key]: t.value });
  }
  return out;
}
