// The bootloader facts from the probe's records (keys in src/facts/probe.ts: grubby*, grub-*,
// kernel-install, kernel-cmdline, bls-entries), and the view of facts that predate them. Pure.
import type { HostFacts } from '../facts/types.js';
import { grubDefaultItem, grubEntries, parseGrubMenu } from './grub-cfg.js';
import { parseBlsEntries } from './bls.js';
import type { BootFacts, GrubDebianFacts } from './types.js';

type Values = ReadonlyMap<string, string | null>;

function grubFacts(values: Values): { grub: GrubDebianFacts; entries: BootFacts['entries']; default_kernel: string | null } | null {
  const update = values.get('grub-update');
  const vars = values.get('grub-vars');
  const cfg = values.get('grub-cfg');
  if ((update !== 'update-grub' && update !== 'grub-mkconfig') || vars === undefined || vars === null || cfg === undefined || cfg === null) return null;
  const [linux = '', linuxDefault = '', def = '0'] = vars.split('\n');
  const saved = values.get('grub-saved-entry');
  const menu = parseGrubMenu(cfg);
  const entries = grubEntries(menu);
  const grub: GrubDebianFacts = {
    update,
    cmdline_linux: linux.trim(),
    cmdline_linux_default: linuxDefault.trim(),
    default: def.trim() || '0',
    saved_entry: saved ? saved.trim() : null,
    dropin: values.get('grub-dropin') ?? null,
  };
  // GRUB falls back to the first entry when GRUB_DEFAULT names none.
  const item = grubDefaultItem(menu, grub.default, grub.saved_entry) ?? null;
  const default_kernel = item?.kernel ?? entries[0]?.kernel ?? null;
  return { grub, entries, default_kernel };
}

/** Which mechanism the host uses, in order of precedence: grubby, Debian GRUB, kernel-install. */
export function bootFactsFromProbe(values: Values, grubby: HostFacts['grubby']): BootFacts {
  const seen = ['grubby', 'grub-update', 'grub-vars', 'grub-cfg', 'kernel-install', 'bls-entries']
    .filter((k) => (k === 'grubby' ? values.get(k) === '1' : values.get(k) !== undefined))
    .map((k) => (k === 'grub-update' ? String(values.get(k)) : k === 'grub-vars' ? '/etc/default/grub' : k === 'grub-cfg' ? '/boot/grub/grub.cfg' : k === 'bls-entries' ? 'loader entries' : k));
  if (grubby.available) return { mechanism: 'grubby', default_kernel: grubby.default_kernel, entries: grubby.entries, seen };
  const g = grubFacts(values);
  if (g) return { mechanism: 'grub-debian', default_kernel: g.default_kernel, entries: g.entries, grub: g.grub, seen };
  const bls = values.get('bls-entries');
  if (values.get('kernel-install') === '1' && bls !== undefined && bls !== null) {
    const entries = parseBlsEntries(bls);
    const dir = /^@@entry (.*)\/[^/]+$/m.exec(bls)?.[1] ?? '/boot/loader/entries';
    return { mechanism: 'kernel-install', default_kernel: null, entries, kernel_cmdline: values.get('kernel-cmdline') ?? null, entries_dir: dir, seen };
  }
  return { mechanism: null, default_kernel: null, entries: [], seen };
}

/** The host's bootloader facts; fact files written before the port have only `grubby`. */
export function bootView(f: HostFacts): BootFacts {
  // grubby's entries live in f.grubby (which readers such as the revert path refresh alone).
  if (f.boot?.mechanism === 'grubby') return { ...f.boot, default_kernel: f.grubby.default_kernel, entries: f.grubby.entries };
  if (f.boot) return f.boot;
  return f.grubby.available
    ? { mechanism: 'grubby', default_kernel: f.grubby.default_kernel, entries: f.grubby.entries, seen: ['grubby'] }
    : { mechanism: null, default_kernel: null, entries: [], seen: [] };
}

/** The entry of the kernel that is running now, if the bootloader lists it. */
export function runningEntry(b: BootFacts, release: string): BootFacts['entries'][number] | null {
  return b.entries.find((e) => e.kernel.endsWith(`vmlinuz-${release}`)) ?? null;
}
