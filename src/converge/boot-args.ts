// Kernel command line changes through grubby, and their read-back. Pure: builds the remote
// command and checks what `grubby --info` printed afterwards.
import type { BootArgsChange } from '../plan/types.js';
import { shq } from '../shell-quote.js';
import { KfleetError } from '../errors.js';

const TOKEN = /^[A-Za-z0-9_.-]+(=[A-Za-z0-9_.:,+-]*)?$/;
const KERNEL = /^\/[A-Za-z0-9_.+/-]+$/;

function check(re: RegExp, what: string, v: string): string {
  if (!re.test(v)) throw new KfleetError('PLAN_UNSAFE', `refusing ${what} ${JSON.stringify(v)}: not a plain kernel argument`);
  return v;
}

/** One script: update every target entry, then print each entry's args for the read-back. */
export function buildBootArgsScript(change: BootArgsChange): string {
  const lines = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'];
  for (const k of change.kernels) {
    check(KERNEL, 'kernel path', k);
    const parts = ['grubby', shq(`--update-kernel=${k}`)];
    if (change.add.length) parts.push(shq(`--args=${change.add.map((t) => check(TOKEN, 'argument', t)).join(' ')}`));
    if (change.remove.length) parts.push(shq(`--remove-args=${change.remove.map((t) => check(TOKEN, 'argument', t)).join(' ')}`));
    lines.push(`${parts.join(' ')} || exit 20`);
  }
  for (const k of change.kernels) {
    lines.push(`printf '@@kfleet-args %s\\n' ${shq(k)}`, `grubby ${shq(`--info=${k}`)} | sed -n 's/^args=//p'`);
  }
  return lines.join('\n') + '\n';
}

/** The command-line keys kfleet manages: the kernel's kfence.* and kfleet's own kfleet.* marker
 *  (kfleet.boot_unit=<hash>, which the kernel ignores). */
export function isManagedKey(k: string): boolean {
  return k.startsWith('kfence.') || k.startsWith('kfleet.');
}

/** Parse the managed `key=value` tokens of a command line (quotes stripped); the last occurrence wins like the kernel. */
export function kfenceTokens(args: string): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const raw of args.trim().replace(/^"|"$/g, '').split(/\s+/)) {
    if (!isManagedKey(raw)) continue;
    const eq = raw.indexOf('=');
    if (eq < 0) m.set(raw, null);
    else m.set(raw.slice(0, eq), raw.slice(eq + 1).replace(/^"|"$/g, ''));
  }
  return m;
}

/** The kfence.* tokens each entry shows after the change, keyed by kernel path. */
export function parseBootArgsOutput(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  let current: string | null = null;
  for (const line of stdout.split('\n')) {
    const mark = /^@@kfleet-args (.*)$/.exec(line);
    if (mark) {
      current = mark[1] ?? null;
      continue;
    }
    if (current !== null && line.trim() !== '') {
      out.set(current, line.trim().replace(/^"|"$/g, ''));
      current = null;
    }
  }
  return out;
}

/** Differences between the expected and actual kfence.* tokens of each entry; empty = read-back ok. */
export function verifyBootArgs(change: BootArgsChange, actual: Map<string, string>): string[] {
  const problems: string[] = [];
  for (const e of change.entries) {
    const got = actual.get(e.kernel);
    if (got === undefined) {
      problems.push(`${e.kernel}: grubby shows no args after the change`);
      continue;
    }
    const want = kfenceTokens(e.after);
    const have = kfenceTokens(got);
    for (const [k, v] of want) if (have.get(k) !== v) problems.push(`${e.kernel}: ${k} is ${have.has(k) ? JSON.stringify(have.get(k)) : 'absent'}, expected ${JSON.stringify(v)}`);
    for (const k of have.keys()) if (!want.has(k)) problems.push(`${e.kernel}: ${k} should be absent`);
  }
  return problems;
}
