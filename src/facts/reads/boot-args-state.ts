// What a revert needs to know, in one short command (a looping host may give it well under a
// second): boot id, /proc/cmdline, whether kfleet's boot unit is installed, and each listed boot
// entry's args as grubby prints them.
import { shq } from '../../shell-quote.js';
import type { RemoteRead } from './read.js';
import { BOOT_ID_PATH } from './read.js';

export interface BootArgsState {
  bootId: string;
  cmdline: string;
  unitInstalled: boolean;
  /** kernel path -> args (entries grubby printed nothing for are absent). */
  args: Map<string, string>;
}

const MARK = '@@kfleet-args ';

export function bootArgsStateRead(kernels: readonly string[], unitPath: string): RemoteRead<BootArgsState> {
  const command = [
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `cat ${BOOT_ID_PATH}`,
    'cat /proc/cmdline',
    `[ -e ${shq(unitPath)} ] && echo unit || echo nounit`,
    ...kernels.flatMap((k) => [`printf '${MARK}%s\\n' ${shq(k)}`, `grubby ${shq(`--info=${k}`)} | sed -n 's/^args=//p'`]),
  ].join('\n');
  return {
    name: 'boot args',
    command,
    become: true,
    parse: (stdout, code) => {
      const lines = stdout.split('\n');
      const [bootId = '', cmdline = '', unit = ''] = lines;
      if (code !== 0 || (unit.trim() !== 'unit' && unit.trim() !== 'nounit')) throw new Error(`reading the boot args failed (exit ${code ?? 'signal'}): ${JSON.stringify(stdout.slice(0, 120))}`);
      const args = new Map<string, string>();
      let current: string | null = null;
      for (const line of lines.slice(3)) {
        if (line.startsWith(MARK)) current = line.slice(MARK.length);
        else if (current !== null && line.trim() !== '') {
          args.set(current, line.trim().replace(/^"|"$/g, ''));
          current = null;
        }
      }
      return { bootId: bootId.trim().toLowerCase(), cmdline: cmdline.trim(), unitInstalled: unit.trim() === 'unit', args };
    },
  };
}
