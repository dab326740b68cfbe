// Kernel command-line words the lab's boot path reads besides kfence.*: panic=, softlockup_panic=,
// hung_task_panic=, panic_on_warn=, crashkernel= (kexec's syntax: SIZE, or RANGE:SIZE,... chosen by
// system RAM), and systemd's ConditionKernelCommandLine= test.

import { memparse } from './parse.js';

/** The value of the last `name=` word (the kernel's __setup handlers keep the last one). */
export function cmdlineValue(cmdline: string, name: string): string | undefined {
  let v: string | undefined;
  for (const w of cmdline.split(/\s+/)) if (w.startsWith(`${name}=`)) v = w.slice(name.length + 1);
  return v;
}

/** Runtime sysctls at the start of a boot: CONFIG defaults, overridden by the command line. */
export function bootSysctls(cmdline: string, configPanicTimeout: number): Map<string, string> {
  const int = (name: string, dflt: number): string => {
    const v = cmdlineValue(cmdline, name);
    return v !== undefined && /^-?\d+$/.test(v) ? String(Number(v)) : String(dflt);
  };
  return new Map([
    ['kernel.panic', int('panic', configPanicTimeout)],
    ['kernel.panic_on_warn', int('panic_on_warn', 0)],
    ['kernel.softlockup_panic', int('softlockup_panic', 0)],
    ['kernel.hung_task_panic', int('hung_task_panic', 0)],
  ]);
}

/** Bytes reserved for the crash kernel by crashkernel= on a machine with `ram` bytes (0: none). */
export function crashkernelBytes(cmdline: string, ram: bigint): bigint {
  const v = cmdlineValue(cmdline, 'crashkernel');
  if (!v) return 0n;
  // RHEL 8's "auto": 160 MiB from 1 GiB of RAM up (its documented table's first row).
  if (v === 'auto') return ram >= 1n << 30n ? 160n << 20n : 0n;
  const spec = v.replace(/@.*$/, '');
  if (!spec.includes(':')) return memparse(spec).value;
  for (const part of spec.split(',')) {
    const m = /^([^-]+)-([^:]*):(.+)$/.exec(part);
    if (!m) return 0n;
    const start = memparse(m[1]!).value;
    const end = m[2] ? memparse(m[2]).value : undefined;
    if (ram >= start && (end === undefined || ram < end)) return memparse(m[3]!).value;
  }
  return 0n;
}

/** systemd's ConditionKernelCommandLine=: a word with '=' must be present as is; without, a word
 *  equal to it or starting with it and '='; a leading '!' negates. Every listed condition must hold. */
export function kernelCommandLineCondition(conditions: string[], cmdline: string): boolean {
  const words = cmdline.split(/\s+/).filter(Boolean);
  return conditions.every((c) => {
    const neg = c.startsWith('!');
    const want = neg ? c.slice(1) : c;
    const has = want.includes('=') ? words.includes(want) : words.some((w) => w === want || w.startsWith(`${want}=`));
    return neg ? !has : has;
  });
}
