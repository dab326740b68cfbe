// Host definitions in inventories: `name[:port]`, `[v6]:port` and ranges `web[01:20]`, `db-[a:c]`,
// `[1:10:2]`, ported from Ansible's parse_address() and expand_hostname_range().

const numericRange = String.raw`\[(?:[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const hexRange = String.raw`\[(?:[0-9a-f]+:[0-9a-f]+)(?::[0-9]+)?\]`;
const alnumRange = String.raw`\[(?:[a-z]:[a-z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]`;
const v6c = `(?:[0-9a-f]{1,4}|${hexRange})`;
const v4c = `(?:[01]?[0-9]{1,2}|2[0-4][0-9]|25[0-5]|${numericRange})`;
const label = String.raw`(?:[\p{L}\p{N}_]|${alnumRange})(?:[\p{L}\p{N}_-]|${alnumRange})*(?<![_-])`;

const BRACKETED_HOSTPORT = /^\[(.+)\]:([0-9]+)$/;
const HOSTPORT = /^((?:[^:[\]]|\[[^\]]*\])*):([0-9]+)$/;
const IPV4 = new RegExp(`^(?:${v4c}\\.){3}${v4c}$`, 'i');
const IPV6 = new RegExp(
  '^(?:' +
    [
      `(?:${v6c}:){7}${v6c}`,
      `(?:${v6c}:){1,6}:`,
      `(?:${v6c}:)(?::${v6c}){1,6}`,
      `(?:${v6c}:){2}(?::${v6c}){1,5}`,
      `(?:${v6c}:){3}(?::${v6c}){1,4}`,
      `(?:${v6c}:){4}(?::${v6c}){1,3}`,
      `(?:${v6c}:){5}(?::${v6c}){1,2}`,
      `(?:${v6c}:){6}(?::${v6c})`,
      `:(?::${v6c}){1,6}`,
      `${v6c}?::`,
      `(?:0:){6}(?:${v6c}\\.){3}${v6c}`,
      `::(?:ffff:)?(?:${v6c}\\.){3}${v6c}`,
      `(?:0:){5}ffff:(?:${v6c}\\.){3}${v6c}`,
    ].join('|') +
    ')$',
  'i',
);
const HOSTNAME = new RegExp(`^${label}(?:\\.${label})*$`, 'iu');

export function isIpAddress(s: string): boolean {
  return IPV4.test(s) || IPV6.test(s);
}

/** Ansible's parse_address(address, allow_ranges=True); undefined when it is not an address. */
export function parseAddress(address: string): { host: string; port: number | undefined } | undefined {
  let port: number | undefined;
  let addr = address;
  for (const re of [BRACKETED_HOSTPORT, HOSTPORT]) {
    const m = re.exec(addr);
    if (m) {
      addr = m[1] as string;
      port = Number(m[2]);
    }
  }
  if (IPV4.test(addr) || IPV6.test(addr) || HOSTNAME.test(addr)) return { host: addr, port };
  return undefined;
}

export class RangeSyntaxError extends Error {}

const ASCII_LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

function pyInt(s: string): number {
  if (!/^\s*[+-]?\d+(?:_\d+)*\s*$/.test(s)) throw new RangeSyntaxError(`invalid literal for int() with base 10: '${s}'`);
  return Number(s.replace(/_/g, ''));
}

/** expand_hostname_range(): expands the first [beg:end(:step)] and recurses. */
export function expandHostRange(line: string): string[] {
  const open = line.indexOf('[');
  const close = line.indexOf(']');
  const parts = line.replace('[', '|').replace(']', '|').split('|');
  if (open < 0 || close < 0 || parts.length !== 3) throw new RangeSyntaxError(`unbalanced or nested brackets in host range '${line}'`);
  const [head, nrange, tail] = parts as [string, string, string];
  const bounds = nrange.split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw new RangeSyntaxError('host range must be begin:end or begin:end:step');
  let beg = bounds[0] as string;
  const end = bounds[1] as string;
  const step = bounds.length === 2 ? 1 : pyInt(bounds[2] as string);
  if (!beg) beg = '0';
  if (!end) throw new RangeSyntaxError('host range must specify end value');
  let fill = (x: string | number): string => String(x);
  if (beg[0] === '0' && beg.length > 1) {
    const rlen = beg.length;
    if (rlen !== end.length) throw new RangeSyntaxError('host range must specify equal-length begin and end formats');
    fill = (x) => String(x).padStart(rlen, '0');
  }
  if (step === 0) throw new RangeSyntaxError('range() arg 3 must not be zero');
  let seq: (string | number)[] = [];
  const ib = ASCII_LETTERS.indexOf(beg);
  const ie = ASCII_LETTERS.indexOf(end);
  if (ib >= 0 && ie >= 0) {
    // Python's str.index finds substrings too: [ab:cd] is a letter range from 'a' to 'c'
    if (ib > ie) throw new RangeSyntaxError('host range must have begin <= end');
    if (step < 0) throw new RangeSyntaxError('a negative step is not supported in a letter range');
    for (let i = ib; i <= ie; i += step) seq.push(ASCII_LETTERS[i] as string);
  } else {
    const b = pyInt(beg);
    const e = pyInt(end) + 1;
    seq = [];
    if (step > 0) for (let i = b; i < e; i += step) seq.push(i);
    else for (let i = b; i > e; i += step) seq.push(i);
  }
  const out: string[] = [];
  for (const r of seq) {
    const name = head + fill(r) + tail;
    if (name.includes('[')) out.push(...expandHostRange(name));
    else out.push(name);
  }
  return out;
}

/** BaseInventoryPlugin._expand_hostpattern plus the INI plugin's extra checks. */
export function expandHostPattern(pattern: string): { hosts: string[]; port: number | undefined } {
  const parsed = parseAddress(pattern);
  const host = parsed ? parsed.host : pattern;
  const port = parsed ? parsed.port : undefined;
  const hosts = host.includes('[') ? expandHostRange(host) : [host];
  if (pattern.trim().endsWith(':') && port === undefined)
    throw new RangeSyntaxError(`Invalid host pattern '${pattern}' supplied, ending in ':' is not allowed, this character is reserved to provide a port.`);
  for (const h of hosts)
    if (h.trim() === '---') throw new RangeSyntaxError(`Invalid host pattern '${pattern}' supplied, '---' is normally a sign this is a YAML file.`);
  return { hosts, port };
}
