// A parsed report's title: syzkaller's (syz-title.ts) whenever the `BUG: KFENCE:` line survived,
// and for a report whose start was lost to a ring-buffer wrap the title syzkaller would have
// given it had the line been there (its kind from the detail line, its function from the first
// access frame), marked corrupted with the reason.

import { sanitizeSyzTitle, syzTitle, type SyzTitle } from './syz-title.js';
import type { KfenceReport } from './types.js';

const HEADLESS_REASON = 'the start of the report was lost (no BUG: KFENCE: line)';

function bugWords(r: KfenceReport): string | null {
  switch (r.kind) {
    case 'out-of-bounds':
    case 'use-after-free':
      return r.access ? `${r.kind} ${r.access}` : null;
    case 'invalid-access':
      return r.access ? `invalid ${r.access}` : null;
    case 'invalid-free':
      return 'invalid free';
    case 'memory-corruption':
      return 'memory corruption';
    default:
      return null;
  }
}

export function titleReport(r: KfenceReport): SyzTitle {
  const t = syzTitle(r.text);
  if (t) return t;
  const fn = r.access_stack[0]?.fn ?? r.function ?? null;
  const words = bugWords(r);
  if (words && fn) {
    const h = syzTitle(`BUG: KFENCE: ${words} in ${fn}+0x0/0x1\n${r.text}`);
    if (h) return { ...h, corrupted: true, corrupted_reason: HEADLESS_REASON };
  }
  const name = fn === null ? 'corrupted' : sanitizeSyzTitle(fn.replace(/[.+].*$/, ''));
  return { title: `KFENCE: ${words ?? 'unknown'} in ${name}`, alt_titles: [], corrupted: true, corrupted_reason: HEADLESS_REASON };
}
