// Boot Loader Specification entries (systemd-boot, kernel-install): `title`, `linux`, `options`
// lines of /boot/loader/entries/*.conf (or /efi/...). Pure.
import type { BootEntry } from './types.js';

/** Entries from the probe's dump: a `@@entry <path>` line before each file's lines. */
export function parseBlsEntries(text: string): BootEntry[] {
  const out: BootEntry[] = [];
  let cur: BootEntry | null = null;
  for (const line of text.split('\n')) {
    const mark = /^@@entry (.+)$/.exec(line);
    if (mark) {
      cur = { index: out.length, kernel: '', args: '', id: mark[1] ?? '' };
      out.push(cur);
      continue;
    }
    if (!cur) continue;
    const m = /^\s*(title|linux|options)\s+(.*)$/.exec(line);
    if (!m) continue;
    const v = (m[2] ?? '').trim();
    if (m[1] === 'title') cur.title = v;
    else if (m[1] === 'linux') cur.kernel = v;
    else cur.args = cur.args ? `${cur.args} ${v}` : v;
  }
  return out.filter((e) => e.kernel !== '');
}
