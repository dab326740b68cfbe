// Does a command line read its standard input? sshd starts a command at once and the command
// blocks on read(0) only if it reads; just-bash wants all of stdin up front. So the lab waits for
// the client's EOF only when the script would read stdin (cat > f, sh -s, read, ...), and starts
// at once otherwise (the client may never close stdin). sudo -S reads its password live.

import { parse } from 'just-bash';

type Node = { type: string; [k: string]: unknown };

const ALWAYS = new Set(['read', 'tee', 'tr']);
/** Readers of stdin when they get no file operand beyond (at most) `skip` leading operands. */
const FILTERS: Record<string, number> = { cat: 0, head: 0, tail: 0, wc: 0, sha256sum: 0, md5sum: 0, base64: 0, sort: 0, uniq: 0, grep: 1, egrep: 1, fgrep: 1, sed: 1, awk: 1, cut: 0, xargs: 99, dd: 0 };

function lit(w: unknown): string | undefined {
  const parts = (w as { parts?: { type: string; value?: string }[] } | null)?.parts;
  if (!parts) return undefined;
  let s = '';
  for (const p of parts) {
    if (p.type === 'Literal' || p.type === 'SingleQuoted') s += p.value ?? '';
    else return '$';
  }
  return s;
}

function hasInputRedirect(n: Node): boolean {
  return ((n.redirections as Node[] | undefined) ?? []).some((r) => ['<', '<<', '<<-', '<<<', '<>'].includes(r.operator as string) && (r.fd === null || r.fd === 0));
}

/** Whether argv (name + words) reads stdin. */
export function argvReadsStdin(argv: string[]): boolean {
  let i = 0;
  while (argv[i] !== undefined && /^(\w+=|nohup$|env$|time$|command$|exec$)/.test(argv[i]!)) i++;
  const name = (argv[i] ?? '').replace(/^.*\//, '');
  const rest = argv.slice(i + 1);
  if (name === 'sudo') {
    const a = [...rest];
    let live = false;
    while (a[0]?.startsWith('-')) {
      const o = a.shift()!;
      if (o === '--') break;
      if (/^-[^-]*S/.test(o)) live = true;
      if (/^-[^-]*[pugCDhrtTU]$/.test(o)) a.shift();
    }
    if (live) return false;
    return argvReadsStdin(a);
  }
  if (name === 'sh' || name === 'bash') {
    const a = [...rest];
    while (a[0]?.startsWith('-') || a[0]?.startsWith('+')) {
      const o = a.shift()!;
      // `sh -c SCRIPT`: it reads stdin when SCRIPT does (e.g. kfleet's become wrapper around `sh -s`).
      if (/^-[a-zA-Z]*c/.test(o)) return a[0] !== undefined && scriptReadsStdin(a[0]);
      if (/^-[a-zA-Z]*s/.test(o)) return true;
      if (o === '-o' || o === '+o') a.shift();
    }
    return a.length === 0;
  }
  if (ALWAYS.has(name)) return true;
  const skip = FILTERS[name];
  if (skip === undefined) return false;
  const operands = rest.filter((x) => !x.startsWith('-') || x === '-');
  if (operands.includes('-')) return true;
  return operands.length <= skip;
}

function scan(node: unknown, stdinFree: boolean): boolean {
  if (!node || typeof node !== 'object') return false;
  if (Array.isArray(node)) return node.some((x) => scan(x, stdinFree));
  const n = node as Node;
  if (n.type === 'Pipeline') {
    return (n.commands as Node[]).some((c, i) => scan(c, stdinFree || i > 0));
  }
  if (n.type === 'SimpleCommand') {
    if (stdinFree || hasInputRedirect(n)) return false;
    const argv = [lit(n.name) ?? '', ...((n.args as unknown[]) ?? []).map((a) => lit(a) ?? '$')];
    return argvReadsStdin(argv);
  }
  if (n.type === 'CommandSubstitution') return false;
  const free = stdinFree || hasInputRedirect(n);
  return Object.entries(n).some(([k, v]) => k !== 'redirections' && typeof v === 'object' && scan(v, free));
}

export function scriptReadsStdin(script: string): boolean {
  try {
    return scan(parse(script), false);
  } catch {
    return false;
  }
}
