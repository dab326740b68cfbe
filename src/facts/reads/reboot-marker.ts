// The boot id and kfleet's reboot marker (/run is tmpfs: the marker lives for one boot), in one
// command: "is the reboot this run fired still pending on this boot?"
import { shq } from '../../shell-quote.js';
import type { RemoteRead } from './read.js';
import { BOOT_ID_PATH } from './read.js';

export const REBOOT_MARKER = '/run/kfleet/reboot-pending';

export interface RebootMarker {
  bootId: string;
  /** The run id the marker names, or null when there is no marker. */
  run: string | null;
}

export const rebootMarkerRead: RemoteRead<RebootMarker | null> = {
  name: 'reboot marker',
  command: `cat ${BOOT_ID_PATH}; cat ${shq(REBOOT_MARKER)} 2>/dev/null || true`,
  become: false,
  /** null when the command failed (the host is going down, or the boot id is unreadable). */
  parse: (stdout, code) => {
    if (code !== 0) return null;
    const [id = '', marker = ''] = stdout.split('\n');
    return { bootId: id.trim().toLowerCase(), run: marker.trim() === '' ? null : marker.trim() };
  },
};
