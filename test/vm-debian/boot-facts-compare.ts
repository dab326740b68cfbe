// Field-by-field comparison of the bootloader facts (HostFacts.boot) of the real Debian VM and
// of a lab debian-12-grub host in the same state. Kernel releases, the root file system's UUID
// and the boot unit's hash describe the machine, not the bootloader: they are replaced by
// placeholders (R running, P the other installed kernel, U the UUID) before comparing.
import type { HostFacts } from '../../src/facts/types.js';

function eq(diffs: string[], path: string, real: unknown, lab: unknown): void {
  const a = JSON.stringify(real);
  const b = JSON.stringify(lab);
  if (a !== b) diffs.push(`${path}: real ${a}, lab ${b}`);
}

/** Replaces the running release with R, every other `N.N.N+debNN-arch` release with P, UUIDs with U. */
export function normalizer(running: string): (s: string | null | undefined) => string | null {
  return (s) => {
    if (s === null || s === undefined) return null;
    return s
      .split(running).join('R')
      .replace(/\d+\.\d+\.\d+\+deb\d+-[a-z0-9]+/g, 'P')
      .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, 'U')
      .replace(/kfleet\.boot_unit=[0-9a-f]+/g, 'kfleet.boot_unit=H');
  };
}

/** The differences, one line each ("path: real X, lab Y"); empty when the lab agrees. */
export function compareBootFacts(real: HostFacts, lab: HostFacts): string[] {
  const d: string[] = [];
  const nr = normalizer(real.kernel.release);
  const nl = normalizer(lab.kernel.release);
  const rb = real.boot;
  const lb = lab.boot;
  eq(d, 'boot present', rb !== undefined, lb !== undefined);
  if (!rb || !lb) return d;
  eq(d, 'boot.mechanism', rb.mechanism, lb.mechanism);
  eq(d, 'boot.default_kernel', nr(rb.default_kernel), nl(lb.default_kernel));
  eq(d, 'boot.seen', rb.seen, lb.seen);
  eq(d, 'boot.entries (count)', rb.entries.length, lb.entries.length);
  const n = Math.max(rb.entries.length, lb.entries.length);
  for (let i = 0; i < n; i++) {
    const r = rb.entries[i];
    const l = lb.entries[i];
    eq(d, `boot.entries[${i}].index`, r?.index, l?.index);
    eq(d, `boot.entries[${i}].title`, nr(r?.title), nl(l?.title));
    eq(d, `boot.entries[${i}].id`, nr(r?.id), nl(l?.id));
    eq(d, `boot.entries[${i}].kernel`, nr(r?.kernel), nl(l?.kernel));
    eq(d, `boot.entries[${i}].args`, nr(r?.args), nl(l?.args));
  }
  eq(d, 'boot.grub present', rb.grub !== undefined, lb.grub !== undefined);
  if (rb.grub && lb.grub) {
    for (const k of ['update', 'cmdline_linux', 'cmdline_linux_default', 'default', 'saved_entry', 'dropin'] as const) eq(d, `boot.grub.${k}`, nr(rb.grub[k]), nl(lb.grub[k]));
  }
  eq(d, 'cmdline', nr(real.cmdline), nl(lab.cmdline));
  eq(d, 'os', real.os, lab.os);
  return d;
}
