// Ansible host patterns, evaluated like ansible-core's InventoryManager.get_hosts():
// `all`/`*`, names, groups, fnmatch globs, `~regex`, `a:b` / `a,b` union, `a:&b` intersection,
// `a:!b` exclusion (plain parts first, then intersections, then exclusions), `@file` (one pattern
// per line, like a .retry file), subscripts `g[0]`, `g[-1]`, `g[0:2]`; plus `--limit`.
import { readFileSync } from 'node:fs';
import { KfleetError } from '../errors.js';
import { parseAddress } from './host-range.js';
import type { Inventory, InventoryHost } from './types.js';

export interface PatternOptions {
  /** Like Ansible's --limit: keep only hosts that this pattern also matches. */
  limit?: string | undefined;
  /** Reads an `@file`; defaults to the file system. */
  readFile?: (path: string) => string;
}

const SUBSCRIPT = /^(.+)\[(?:(-?[0-9]+)|([0-9]+)([:-])([0-9]*))\]$/s;
const SPLIT = /(?:[^\s:[\]]|\[[^\]]*\])+/g;

/** split_host_pattern(): commas win; otherwise ':' separates unless the whole is an address. */
export function splitHostPattern(pattern: string): string[] {
  let parts: string[];
  if (pattern.includes(',')) parts = pattern.split(',');
  else if (parseAddress(pattern)) parts = [pattern];
  else parts = pattern.match(SPLIT) ?? [];
  return parts.map((p) => p.trim()).filter(Boolean);
}

/** Python's fnmatch.translate(), anchored at both ends. */
export function fnmatchToRegExp(pat: string): RegExp {
  let re = '';
  let i = 0;
  const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  while (i < pat.length) {
    const c = pat[i++] as string;
    if (c === '*') {
      re += '.*';
      while (pat[i] === '*') i++;
    } else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i;
      if (pat[j] === '!') j++;
      if (pat[j] === ']') j++;
      while (j < pat.length && pat[j] !== ']') j++;
      if (j >= pat.length) re += '\\[';
      else {
        let stuff = pat.slice(i, j);
        i = j + 1;
        if (stuff.startsWith('!')) stuff = '^' + stuff.slice(1);
        else if (stuff.startsWith('^')) stuff = '\\' + stuff;
        stuff = stuff.replace(/\\/g, '\\\\').replace(/\[/g, '\\[');
        re += `[${stuff}]`;
      }
    } else re += esc(c);
  }
  return new RegExp(`^(?:${re})$`, 's');
}

function matcher(pattern: string): (s: string) => boolean {
  if (pattern[0] !== '~') {
    const re = fnmatchToRegExp(pattern);
    return (s) => re.test(s);
  }
  let re: RegExp;
  try {
    re = new RegExp(pattern.slice(1), 'y'); // re.match(): anchored at the start only
  } catch (e) {
    throw new KfleetError('PATTERN_INVALID', `Invalid host list pattern: ${pattern} (${(e as Error).message})`, {
      hint: 'after ~ comes a regular expression, e.g. ~web0[1-3]',
    });
  }
  return (s) => {
    re.lastIndex = 0;
    return re.test(s);
  };
}

class Matcher {
  private readonly byName = new Map<string, InventoryHost>();
  private readonly groupHostsCache = new Map<string, InventoryHost[]>();
  constructor(private readonly inv: Inventory) {
    for (const h of inv.hosts) this.byName.set(h.name, h);
  }

  private hostsInOrder(): InventoryHost[] {
    if (!this.inv.hostOrder) return this.inv.hosts;
    return this.inv.hostOrder.map((n) => this.byName.get(n)).filter((h): h is InventoryHost => h !== undefined);
  }

  private groupNames(): string[] {
    return this.inv.groupOrder ?? Object.keys(this.inv.groups);
  }

  /** Group.get_hosts(): own hosts, then children level by level. */
  groupHosts(name: string): InventoryHost[] {
    const hit = this.groupHostsCache.get(name);
    if (hit) return hit;
    const g = this.inv.groups[name];
    if (!g) return [];
    const ordered = [name, ...g.children];
    const seen = new Set(ordered);
    let level = g.children;
    while (level.length) {
      const next: string[] = [];
      for (const x of level)
        for (const c of this.inv.groups[x]?.children ?? [])
          if (!seen.has(c)) {
            seen.add(c);
            ordered.push(c);
            next.push(c);
          }
      level = next;
    }
    const out: InventoryHost[] = [];
    const got = new Set<string>();
    for (const k of ordered)
      for (const hn of this.inv.groups[k]?.hosts ?? []) {
        const h = this.byName.get(hn);
        if (h && !got.has(hn)) {
          got.add(hn);
          out.push(h);
        }
      }
    this.groupHostsCache.set(name, out);
    return out;
  }

  private enumerate(expr: string): InventoryHost[] {
    const test = matcher(expr);
    const results: InventoryHost[] = [];
    const groups = this.groupNames().filter(test);
    for (const g of groups) results.push(...this.groupHosts(g));
    if (!groups.length || expr[0] === '~' || /[.?*[]/.test(expr))
      for (const h of this.hostsInOrder()) if (test(h.name)) results.push(h);
    return results;
  }

  matchOne(raw: string): InventoryHost[] {
    const pattern = raw[0] === '&' || raw[0] === '!' ? raw.slice(1) : raw;
    if (!pattern)
      throw new KfleetError('PATTERN_INVALID', `empty host pattern after '${raw}'`, {
        hint: "write a group or host after ':&' or ':!', e.g. web:!canary",
      });
    let expr = pattern;
    let sub: [number, number | undefined] | undefined;
    const m = pattern[0] === '~' ? null : SUBSCRIPT.exec(pattern);
    if (m) {
      expr = m[1] as string;
      if (m[2] !== undefined) sub = [Number(m[2]), undefined];
      else sub = [Number(m[3]), m[5] ? Number(m[5]) : -1];
    }
    const hosts = this.enumerate(expr);
    if (!hosts.length || !sub) return hosts;
    const [start, end] = sub;
    if (end) return hosts.slice(start, (end === -1 ? hosts.length - 1 : end) + 1);
    const idx = start < 0 ? hosts.length + start : start;
    const one = hosts[idx];
    if (!one)
      throw new KfleetError('PATTERN_NO_MATCH', `No hosts matched the subscripted pattern '${pattern}'`, {
        hint: `'${expr}' matches ${hosts.length} host(s): valid indexes are 0..${hosts.length - 1} (or -1 for the last)`,
      });
    return [one];
  }

  evaluate(patterns: string[]): InventoryHost[] {
    const regular: string[] = [];
    const inter: string[] = [];
    const excl: string[] = [];
    for (const p of patterns) {
      if (!p) continue;
      if (p[0] === '!') excl.push(p);
      else if (p[0] === '&') inter.push(p);
      else regular.push(p);
    }
    if (!regular.length) regular.push('all');
    let hosts: InventoryHost[] = [];
    for (const p of [...regular, ...inter, ...excl]) {
      const direct = this.byName.get(p);
      if (direct) {
        hosts.push(direct);
        continue;
      }
      const that = this.matchOne(p);
      if (p[0] === '!') {
        const s = new Set(that);
        hosts = hosts.filter((h) => !s.has(h));
      } else if (p[0] === '&') {
        const s = new Set(that);
        hosts = hosts.filter((h) => s.has(h));
      } else {
        const have = new Set(hosts.map((h) => h.name));
        hosts.push(...that.filter((h) => !have.has(h.name)));
      }
    }
    return [...new Set(hosts)];
  }
}

function expandFiles(parts: string[], read: (p: string) => string): string[] {
  const out: string[] = [];
  for (const p of parts) {
    if (p[0] !== '@') {
      out.push(p);
      continue;
    }
    let text: string;
    try {
      text = read(p.slice(1));
    } catch (e) {
      throw new KfleetError('PATTERN_FILE', `cannot read host pattern file ${p.slice(1)}: ${(e as Error).message}`, {
        hint: '@FILE names a file with one host pattern per line (like an Ansible .retry file)',
      });
    }
    out.push(...text.split('\n').map((l) => l.trim()));
  }
  return out;
}

/** The hosts a pattern selects, in Ansible's order; an empty list when nothing matches. */
export function matchPattern(inv: Inventory, pattern: string, opts: PatternOptions = {}): InventoryHost[] {
  const read = opts.readFile ?? ((p: string) => readFileSync(p, 'utf8'));
  const m = new Matcher(inv);
  let hosts = m.evaluate(expandFiles(splitHostPattern(pattern), read));
  if (opts.limit !== undefined) {
    const keep = new Set(m.evaluate(expandFiles(splitHostPattern(opts.limit), read)));
    hosts = hosts.filter((h) => keep.has(h));
  }
  return hosts;
}
