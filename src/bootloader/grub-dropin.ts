// kfleet's drop-in for Debian/Ubuntu GRUB (/etc/default/grub.d/kfleet-kfence.cfg): update-grub
// sources it after /etc/default/grub, so its tokens end GRUB_CMDLINE_LINUX, which GRUB puts on
// every entry it generates (normal and recovery, every installed kernel, and kernels installed
// later: their postinst runs update-grub). Pure.
import { tokenize } from '../kernel/cmdline.js';

const HEADER = '# Written by kfleet: KFENCE arguments for every kernel GRUB boots (kfleet rollback restores this file).';
const LINE = /^GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX ?([^"$`\\]*)"$/m;

/** The drop-in's contents for these tokens; null (no file) when there are none. */
export function renderDropin(tokens: readonly string[]): string | null {
  if (tokens.length === 0) return null;
  return `${HEADER}\nGRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX ${tokens.join(' ')}"\n`;
}

/** Same drop-in contents (the probe's read drops the final newline); null = no file. */
export function sameDropin(a: string | null, b: string | null): boolean {
  return a === null || b === null ? a === b : a.trimEnd() === b.trimEnd();
}

/** The tokens a drop-in appends; null when the file is not kfleet's format (hand-edited). */
export function dropinTokens(content: string | null): string[] | null {
  if (content === null) return [];
  const m = LINE.exec(content);
  if (!m) return null;
  const other = content.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#') && !LINE.test(l));
  if (other.length > 0) return null;
  return tokenize(m[1] ?? '').map((t) => t.raw);
}
