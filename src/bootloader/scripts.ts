// The bootloader port's writes: one remote sh script per change (write, regenerate, print the
// read-back), the read-back's parser and its check. Pure; converge and rollback run the scripts.
import type { BootArgsChange } from '../plan/types.js';
import { shq } from '../shell-quote.js';
import { KfleetError } from '../errors.js';
import { tokenize } from '../kernel/cmdline.js';
import { GRUB_CFG_FILTER, grubEntries, parseGrubMenu } from './grub-cfg.js';
import { GRUB_CFG_PATH, GRUB_DROPIN_PATH, KERNEL_CMDLINE_PATH, type BootMechanism } from './types.js';

const TOKEN = /^[A-Za-z0-9_.-]+(=[A-Za-z0-9_.:,+-]*)?$/;
const KERNEL = /^\/[A-Za-z0-9_.+/-]+$/;
const GRUB_MARK = '@@kfleet-grub-cfg';

function check(re: RegExp, what: string, v: string): string {
  if (!re.test(v)) throw new KfleetError('PLAN_UNSAFE', `refusing ${what} ${JSON.stringify(v)}: not a plain kernel argument`);
  return v;
}

export function mechanismOf(change: BootArgsChange): BootMechanism {
  return change.mechanism ?? 'grubby';
}

/** The command-line keys kfleet manages: the kernel's kfence.* and kfleet's own kfleet.* marker
 *  (kfleet.boot_unit=<hash>, which the kernel ignores). */
export function isManagedKey(k: string): boolean {
  return k.startsWith('kfence.') || k.startsWith('kfleet.');
}

/** The managed `key=value` tokens of a command line (src/kernel/cmdline.ts's tokenizer; quotes
 *  stripped; the last occurrence wins like the kernel). */
export function kfenceTokens(args: string): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const t of tokenize(args.trim())) if (isManagedKey(t.key)) m.set(t.key, t.value);
  return m;
}

function grubbyScript(change: BootArgsChange): string[] {
  const lines: string[] = [];
  for (const k of change.kernels) {
    if (k !== 'ALL') check(KERNEL, 'kernel path', k);
    const parts = ['grubby', shq(`--update-kernel=${k}`)];
    if (change.add.length) parts.push(shq(`--args=${change.add.map((t) => check(TOKEN, 'argument', t)).join(' ')}`));
    if (change.remove.length) parts.push(shq(`--remove-args=${change.remove.map((t) => check(TOKEN, 'argument', t)).join(' ')}`));
    lines.push(`${parts.join(' ')} || exit 20`);
  }
  for (const k of new Set(change.entries.map((e) => e.kernel))) {
    lines.push(`printf '@@kfleet-args %s\\n' ${shq(k)}`, `grubby ${shq(`--info=${k}`)} | sed -n 's/^args=//p' | head -n 1`);
  }
  return lines;
}

function grubDebianScript(change: BootArgsChange): string[] {
  const g = change.grub;
  if (!g) throw new KfleetError('PLAN_UNSAFE', 'a grub-debian change without its drop-in');
  for (const t of tokenize(g.dropin_after ?? '')) if (t.raw.includes('`') || t.raw.includes('$(')) throw new KfleetError('PLAN_UNSAFE', `refusing drop-in token ${JSON.stringify(t.raw)}`);
  const tmp = `${GRUB_DROPIN_PATH}.kfleet-tmp`;
  const write = g.dropin_after === null
    ? [`rm -f ${shq(GRUB_DROPIN_PATH)} || exit 20`]
    : [`mkdir -p /etc/default/grub.d || exit 20`, `printf '%s' ${shq(g.dropin_after)} > ${shq(tmp)} && mv -f ${shq(tmp)} ${shq(GRUB_DROPIN_PATH)} || exit 20`];
  const gen = g.update === 'update-grub' ? 'update-grub' : `grub-mkconfig -o ${shq(GRUB_CFG_PATH)}`;
  return [
    ...write,
    `if ! out=$(${gen} 2>&1); then printf '%s\\n' "$out" | tail -n 5 >&2; exit 21; fi`,
    `printf '%s\\n' ${shq(GRUB_MARK)}`,
    `grep -E ${shq(GRUB_CFG_FILTER)} ${shq(GRUB_CFG_PATH)}`,
  ];
}

function kernelInstallScript(change: BootArgsChange): string[] {
  const kc = change.kernel_cmdline;
  if (!kc) throw new KfleetError('PLAN_UNSAFE', 'a kernel-install change without /etc/kernel/cmdline');
  const tmp = `${KERNEL_CMDLINE_PATH}.kfleet-tmp`;
  const lines = [`mkdir -p /etc/kernel || exit 20`, `printf '%s\\n' ${shq(kc.after)} > ${shq(tmp)} && mv -f ${shq(tmp)} ${shq(KERNEL_CMDLINE_PATH)} || exit 20`];
  for (const e of change.entries) {
    check(KERNEL, 'entry file', e.kernel);
    const t = `${e.kernel}.kfleet-tmp`;
    lines.push(`{ grep -v '^options[[:space:]]' ${shq(e.kernel)}; printf 'options %s\\n' ${shq(e.after)}; } > ${shq(t)} && mv -f ${shq(t)} ${shq(e.kernel)} || exit 20`);
  }
  for (const f of [KERNEL_CMDLINE_PATH, ...change.entries.map((e) => e.kernel)]) {
    const read = f === KERNEL_CMDLINE_PATH ? `head -n 1 ${shq(f)}` : `sed -n 's/^options[[:space:]]*//p' ${shq(f)} | tr '\\n' ' '; echo`;
    lines.push(`printf '@@kfleet-args %s\\n' ${shq(f)}`, read);
  }
  return lines;
}

/** One script: make the change through the host's mechanism, then print the read-back. */
export function buildBootArgsScript(change: BootArgsChange): string {
  const m = mechanismOf(change);
  const body = m === 'grub-debian' ? grubDebianScript(change) : m === 'kernel-install' ? kernelInstallScript(change) : grubbyScript(change);
  return ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', ...body].join('\n') + '\n';
}

/** The args each entry shows after the change: keyed by kernel path (grubby), GRUB entry title
 *  (grub-debian) or file (kernel-install, plus /etc/kernel/cmdline). */
export function parseBootArgsOutput(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const g = stdout.indexOf(`${GRUB_MARK}\n`);
  if (g >= 0) {
    for (const e of grubEntries(parseGrubMenu(stdout.slice(g + GRUB_MARK.length + 1)))) out.set(e.title ?? e.kernel, e.args);
    return out;
  }
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

/** Differences between the expected and actual managed tokens of each entry; empty = read-back ok. */
export function verifyBootArgs(change: BootArgsChange, actual: Map<string, string>): string[] {
  const problems: string[] = [];
  const m = mechanismOf(change);
  const expected = change.entries.map((e) => ({ key: m === 'grub-debian' ? e.title ?? e.kernel : e.kernel, after: e.after }));
  if (m === 'kernel-install' && change.kernel_cmdline) expected.push({ key: KERNEL_CMDLINE_PATH, after: change.kernel_cmdline.after });
  for (const e of expected) {
    const got = actual.get(e.key);
    if (got === undefined) {
      problems.push(`${e.key}: ${m === 'grub-debian' ? 'no such entry in the regenerated grub.cfg' : 'shows no args after the change'}`);
      continue;
    }
    const want = kfenceTokens(e.after);
    const have = kfenceTokens(got);
    for (const [k, v] of want) if (have.get(k) !== v) problems.push(`${e.key}: ${k} is ${have.has(k) ? JSON.stringify(have.get(k)) : 'absent'}, expected ${JSON.stringify(v)}`);
    for (const k of have.keys()) if (!want.has(k)) problems.push(`${e.key}: ${k} should be absent`);
  }
  return problems;
}
