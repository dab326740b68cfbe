// What a lab host can testify to, read directly from its kernel model and disk (not through SSH, not
// audited): every KFENCE parameter's live value, each slab cache's per-cache switch, the booted
// command line, the boot entries and the default one, the enabled systemd units, and the audit
// trail (every write with its result, every boot with its reason). End-to-end tests compare what
// kfleet reported with this; the control channel serves it as /witness for a detached lab.

import type { LabHost, AuditEntry } from './host.js';
import { SessionFs } from './vfs/session-fs.js';
import { WANTS_DIR } from './vfs/disk.js';
import { readEntries, defaultIndex, splitOptions } from './shell/grubby.js';

export interface HostWitness {
  name: string;
  profile: string;
  state: 'up' | 'down';
  bootId: string;
  /** /proc/cmdline of the running boot. */
  cmdline: string;
  /** /sys/module/kfence/parameters/* (trimmed); empty without KFENCE. */
  params: Record<string, string>;
  /** debugfs stats `enabled:` (null when stats is absent). */
  statsEnabled: boolean | null;
  /** Per real slab cache (merged names left out): the switch file and its value. */
  slabs: Record<string, { control: 'kfence_enable' | 'skip_kfence'; value: string }>;
  /** Merged slab names (symlinks) -> the real cache directory they point at. */
  aliases: Record<string, string>;
  /** Boot entries (BLS): kernel version, args without root=, and whether it is the default. */
  entries: Array<{ version: string; args: string; isDefault: boolean }>;
  /** Enabled units of multi-user.target (sshd left out), with their unit file text. */
  units: Record<string, string>;
  /** Files kfleet may install, with their text (null when absent). */
  files: Record<string, string | null>;
  audit: AuditEntry[];
}

const WATCHED_FILES = ['/etc/kfleet/kfence-boot.sh'];

export async function hostWitness(h: LabHost): Promise<HostWitness> {
  const fs = new SessionFs(h.fsBackend, { uid: 0, user: 'root', armed: new Map(), pending: null });
  const read = (p: string): Promise<string | null> => fs.readFile(p).then((t) => t, () => null);
  const params: Record<string, string> = {};
  const pdir = '/sys/module/kfence/parameters';
  if (await fs.exists(pdir)) for (const n of (await fs.readdir(pdir)).sort()) {
    const v = await read(`${pdir}/${n}`);
    if (v !== null) params[n] = v.trim();
  }
  const stats = await read('/sys/kernel/debug/kfence/stats');
  const en = stats === null ? null : /enabled:\s*(\d)/.exec(stats)?.[1];
  const slabs: HostWitness['slabs'] = {};
  const aliases: Record<string, string> = {};
  if (await fs.exists('/sys/kernel/slab')) for (const n of (await fs.readdir('/sys/kernel/slab')).sort()) {
    const st = await fs.lstat(`/sys/kernel/slab/${n}`).catch(() => null);
    if (!st) continue;
    if (st.isSymbolicLink) {
      const to = await fs.readlink(`/sys/kernel/slab/${n}`).catch(() => null);
      if (to) aliases[n] = to.split('/').filter(Boolean).pop()!;
      continue;
    }
    for (const control of ['kfence_enable', 'skip_kfence'] as const) {
      const v = await read(`/sys/kernel/slab/${n}/${control}`);
      if (v !== null) slabs[n] = { control, value: v.trim() };
    }
  }
  const disk = h.fsBackend.disk;
  const all = await readEntries(disk).catch(() => []);
  const def = all.length ? await defaultIndex(disk, all) : -1;
  const entries = all.map((e, i) => ({ version: e.release, args: splitOptions(e.fields.get('options') ?? '').args.join(' '), isDefault: i === def }));
  const units: Record<string, string> = {};
  if (await disk.exists(WANTS_DIR)) for (const n of (await disk.readdir(WANTS_DIR)).sort()) {
    if (n === 'sshd.service') continue;
    units[n] = await disk.readFile(`${WANTS_DIR}/${n}`).catch(() => '');
  }
  const files: Record<string, string | null> = {};
  for (const f of WATCHED_FILES) files[f] = await disk.readFile(f).catch(() => null);
  return {
    name: h.name,
    profile: h.profile.name,
    state: h.state,
    bootId: h.bootId,
    cmdline: h.cmdline(),
    params,
    statsEnabled: en === undefined || en === null ? null : en === '1',
    slabs,
    aliases,
    entries,
    units,
    files,
    audit: [...h.audit],
  };
}
