// The running boot's id (/proc/sys/kernel/random/boot_id): a new one on every boot.
import type { RemoteRead } from './read.js';
import { BOOT_ID_PATH } from './read.js';

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The boot id as printed (trimmed, lower case); '' when nothing was printed. Callers test it with UUID. */
export const bootIdRead: RemoteRead<string> = {
  name: 'boot id',
  command: `cat ${BOOT_ID_PATH}`,
  become: false,
  parse: (stdout) => (stdout.split('\n')[0] ?? '').trim().toLowerCase(),
};
