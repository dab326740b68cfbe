// The raw boot disk each VM carries as /dev/vda: a 4 KiB record "KFLEET-BOOTDISK 1\nargs=...\n"
// padded with NULs. The in-guest grubby (guest/grubby) reads and rewrites it; the supervisor reads
// it before every boot and passes the args to the kernel (-append).
import { openSync, readSync, closeSync, writeFileSync } from 'node:fs';

export const BOOTDISK_MAGIC = 'KFLEET-BOOTDISK 1';
export const BOOTDISK_RECORD = 4096;
const DISK_SIZE = 64 * 1024;

export function createBootDisk(path: string, args: string): void {
  const buf = Buffer.alloc(DISK_SIZE);
  const rec = Buffer.from(`${BOOTDISK_MAGIC}\nargs=${args}\n`);
  if (rec.length > BOOTDISK_RECORD) throw new Error('boot args too long for the boot disk record');
  rec.copy(buf);
  writeFileSync(path, buf);
}

/** The args on the disk; throws when the record is missing or damaged. */
export function readBootDiskArgs(path: string): string {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(BOOTDISK_RECORD);
  try {
    readSync(fd, buf, 0, BOOTDISK_RECORD, 0);
  } finally {
    closeSync(fd);
  }
  const text = buf.toString('utf8').replace(/\0+$/, '');
  const lines = text.split('\n');
  if (lines[0] !== BOOTDISK_MAGIC) throw new Error(`${path}: no kfleet boot record`);
  const argsLine = lines.find((l) => l.startsWith('args='));
  if (argsLine === undefined) throw new Error(`${path}: boot record without args`);
  return argsLine.slice('args='.length).trim();
}
