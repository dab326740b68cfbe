// The boot-args change for the host's bootloader (src/bootloader): grubby, Debian/Ubuntu GRUB
// through kfleet's drop-in, or kernel-install's /etc/kernel/cmdline plus the installed entries.
// A host with none is refused with what would work. Pure.
import type { HostFacts } from '../facts/types.js';
import type { BootArgsChange, Refusal } from './types.js';
import { carries, editCmdline, formatToken, lastValue, tokenize } from '../kernel/cmdline.js';
import { bootView } from '../bootloader/facts.js';
import { dropinTokens, renderDropin, sameDropin } from '../bootloader/grub-dropin.js';
import { GRUB_DROPIN_PATH, type BootFacts } from '../bootloader/types.js';
import { bootArgsChange } from './boot-args.js';

export interface BootArgsPlan {
  boot: BootArgsChange | null;
  refused: Refusal[];
  warnings: string[];
}

const WHAT_WORKS = 'kfleet sets kernel arguments with grubby (RHEL family, Alinux, Anolis), Debian/Ubuntu GRUB (update-grub or grub-mkconfig with /etc/default/grub) or kernel-install (/etc/kernel/cmdline with Boot Loader Specification entries); install one of them, or use apply: runtime';

function describe(b: BootFacts): string {
  return b.seen.length ? `found only: ${b.seen.join(', ')}` : 'found none of grubby, update-grub/grub-mkconfig, kernel-install';
}

function planGrubDebian(f: HostFacts, b: BootFacts, want: Record<string, string | null>): BootArgsPlan {
  const g = b.grub!;
  const refused: Refusal[] = [];
  const old = dropinTokens(g.dropin);
  if (old === null) return { boot: null, warnings: [], refused: [{ code: 'BOOT_ARGS_ELSEWHERE', message: `${GRUB_DROPIN_PATH} is not in kfleet's format (edited by hand?)`, hint: 'move its settings to /etc/default/grub and delete the file; kfleet rewrites it' }] };
  for (const [k, v] of Object.entries(want)) {
    const inLinux = lastValue(g.cmdline_linux, k);
    const inDefault = lastValue(g.cmdline_linux_default, k);
    // The drop-in can only append to GRUB_CMDLINE_LINUX; GRUB_CMDLINE_LINUX_DEFAULT comes after it.
    if (v === null && (inLinux !== undefined || inDefault !== undefined)) {
      refused.push({ code: 'BOOT_ARGS_ELSEWHERE', message: `${k} is set in /etc/default/grub (${inLinux !== undefined ? 'GRUB_CMDLINE_LINUX' : 'GRUB_CMDLINE_LINUX_DEFAULT'}) and must be absent`, hint: `remove ${k} from /etc/default/grub; kfleet only manages its drop-in ${GRUB_DROPIN_PATH}` });
    } else if (v !== null && inDefault !== undefined && inDefault !== v) {
      refused.push({ code: 'BOOT_ARGS_ELSEWHERE', message: `${k}=${inDefault} in GRUB_CMDLINE_LINUX_DEFAULT would override kfleet's ${formatToken(k, v)} on every normal entry`, hint: `remove ${k} from GRUB_CMDLINE_LINUX_DEFAULT in /etc/default/grub` });
    }
  }
  if (refused.length) return { boot: null, refused, warnings: [] };
  if (b.entries.length === 0) return { boot: null, warnings: [], refused: [{ code: 'NO_BOOTLOADER', message: '/boot/grub/grub.cfg lists no Linux entry', hint: 'run update-grub on the host and check /boot/grub/grub.cfg' }] };
  const tokens = tokenize(editCmdline(old.join(' '), want)).map((t) => t.raw);
  const after = renderDropin(tokens);
  const stale = b.entries.filter((e) => !carries(e.args, want));
  if (sameDropin(after, g.dropin) && stale.length === 0) return { boot: null, refused: [], warnings: [] };
  const wantKeys = Object.entries(want);
  return {
    refused: [],
    warnings: [],
    boot: {
      mechanism: 'grub-debian',
      kernels: [...new Set(b.entries.map((e) => e.kernel))],
      add: wantKeys.filter(([, v]) => v !== null).map(([k, v]) => formatToken(k, v)).sort(),
      remove: wantKeys.filter(([, v]) => v === null).map(([k]) => k).sort(),
      entries: b.entries.map((e) => ({ kernel: e.kernel, title: e.title ?? `#${e.index}`, before: e.args, after: editCmdline(e.args, want) })),
      grub: { dropin_before: g.dropin, dropin_after: after, update: g.update },
    },
  };
}

function planKernelInstall(f: HostFacts, b: BootFacts, want: Record<string, string | null>): BootArgsPlan {
  // kernel-install falls back to /proc/cmdline (without BOOT_IMAGE/initrd) when the file is absent.
  const current = b.kernel_cmdline ?? tokenize(f.cmdline).filter((t) => t.key !== 'BOOT_IMAGE' && t.key !== 'initrd').map((t) => t.raw).join(' ');
  const after = editCmdline(current, want);
  const changed = b.entries.filter((e) => !carries(e.args, want));
  if (changed.length === 0 && b.kernel_cmdline !== undefined && b.kernel_cmdline !== null && carries(b.kernel_cmdline, want)) return { boot: null, refused: [], warnings: [] };
  const wantKeys = Object.entries(want);
  return {
    refused: [],
    warnings: [],
    boot: {
      mechanism: 'kernel-install',
      kernels: changed.map((e) => e.id ?? e.kernel),
      add: wantKeys.filter(([, v]) => v !== null).map(([k, v]) => formatToken(k, v)).sort(),
      remove: wantKeys.filter(([, v]) => v === null).map(([k]) => k).sort(),
      entries: changed.map((e) => ({ kernel: e.id ?? e.kernel, title: e.title ?? e.kernel, before: e.args, after: editCmdline(e.args, want) })),
      kernel_cmdline: { before: b.kernel_cmdline ?? null, after },
    },
  };
}

/** The boot-args change for this host's mechanism, a refusal, and the default-vs-running warning. */
export function planBootArgs(f: HostFacts, want: Record<string, string | null>): BootArgsPlan {
  const b = bootView(f);
  const warnings: string[] = [];
  const running = `vmlinuz-${f.kernel.release}`;
  if (b.default_kernel !== null && !b.default_kernel.endsWith(running)) {
    warnings.push(`the next boot starts ${b.default_kernel} (the bootloader's default), not the running kernel ${f.kernel.release}: that kernel's KFENCE support was not probed; the args are set on every entry`);
  }
  let r: BootArgsPlan;
  if (b.mechanism === null) {
    if (carries(f.cmdline, want)) return { boot: null, refused: [], warnings: [...warnings, `no supported bootloader (${describe(b)}): the configured boot entries could not be checked`] };
    return { boot: null, warnings, refused: [{ code: 'NO_BOOTLOADER', message: `the kernel command line must change but this host has no bootloader kfleet can configure (${describe(b)})`, hint: WHAT_WORKS }] };
  } else if (b.mechanism === 'grub-debian') r = planGrubDebian(f, b, want);
  else if (b.mechanism === 'kernel-install') r = planKernelInstall(f, b, want);
  else if (b.entries.length === 0) r = { boot: null, warnings: [], refused: [{ code: 'NO_BOOTLOADER', message: 'grubby lists no boot entry', hint: 'check `grubby --info=ALL` on the host' }] };
  else r = { boot: bootArgsChange(b.entries, want), refused: [], warnings: [] };
  return { ...r, warnings: [...warnings, ...r.warnings] };
}


