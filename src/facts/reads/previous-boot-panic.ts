// The previous boot's kernel log (journalctl -k -b -1), reduced to the lines the panic guard needs:
// did the boot before this one end in a panic that KFENCE caused (fault=panic)?
import type { RemoteRead } from './read.js';

export const previousBootPanicRead: RemoteRead<string | null> = {
  name: "previous boot's kernel log",
  command: `journalctl -k -b -1 --no-pager 2>/dev/null | grep -E 'BUG: KFENCE|Kernel panic - not syncing' | tail -n 20`,
  become: true,
  /** The `Kernel panic - not syncing: ...` text when the panic was KFENCE's, else null. */
  parse: (stdout) => {
    const lines = stdout.split('\n').map((l) => l.trim());
    const panic = lines.find((l) => /Kernel panic - not syncing/.test(l));
    if (!panic) return null;
    return /kfence/i.test(panic) || lines.some((l) => /BUG: KFENCE/.test(l)) ? panic.replace(/^.*?(Kernel panic)/, '$1') : null;
  },
};
