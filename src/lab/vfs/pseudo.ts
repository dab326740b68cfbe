// /sys and /proc of one lab host, generated on demand from its booted kernel. A tree is built for
// one shell session (one command) and dropped with it (nothing is stored per host), so an idle
// host costs nothing here; values are read from the kernel state at each read.

import type { Profile } from '../profiles.js';
import type { KfenceKernel } from '../kernel/kfence.js';
import type { Errno } from '../kernel/parse.js';
import { SLAB_RO_ATTRS } from '../kernel/slab.js';

export interface PseudoFile {
  type: 'file';
  mode: number;
  read(): string;
  /** Absent: the file has no store method (EACCES at open, like a 0444 sysfs file). */
  write?: (val: string) => Errno | null;
}
export interface PseudoDir {
  type: 'dir';
  mode: number;
  list(): string[];
  child(name: string): PseudoNode | undefined;
}
export interface PseudoLink {
  type: 'link';
  target: string;
}
export type PseudoNode = PseudoFile | PseudoDir | PseudoLink;

/** What the pseudo file systems need from the host. */
export interface KernelView {
  readonly profile: Profile;
  readonly kernel: KfenceKernel;
  readonly cmdline: string;
  readonly bootId: string;
  readonly hostname: string;
  uptimeMs(): number;
  meminfo(): string;
  sysrq(c: string): void;
  /** pstore records kept by the platform across boots (kernel/crash-records.ts). */
  pstore(): readonly { name: string; text: string }[];
  /** This boot's runtime sysctls by dotted name (/proc/sys/kernel/panic is kernel.panic). */
  sysctls(): Map<string, string>;
  crashKernel(): { readonly reservedBytes: bigint; readonly loaded: boolean };
}

/** A writable integer sysctl: a non-integer is EINVAL, as proc_dointvec says. */
function sysctlFile(v: KernelView, key: string): PseudoFile {
  return {
    type: 'file',
    mode: 0o644,
    read: () => `${v.sysctls().get(key) ?? '0'}\n`,
    write: (val) => {
      const t = val.trim();
      if (!/^-?\d+$/.test(t)) return 'EINVAL';
      v.sysctls().set(key, String(Number(t)));
      return null;
    },
  };
}

const ro = (read: () => string, mode = 0o444): PseudoFile => ({ type: 'file', mode, read });

/** Marks a child whose existence or kind follows live kernel state: it is looked up afresh each time. */
const LIVE = Symbol('live');
type Entry = (() => PseudoNode | undefined) & { [LIVE]?: true };
const live = (f: () => PseudoNode | undefined): Entry => Object.assign(f, { [LIVE]: true as const });

// A directory's entries are built on first use and its children once each (a session looks the same
// path up many times: a probe stats and reads every slab cache several times), except LIVE ones.
// Callers build a fresh tree per session (session-fs.ts), so nothing outlives one command.
function dir(entries: () => Record<string, Entry>, mode = 0o755): PseudoDir {
  let memo: Record<string, Entry> | undefined;
  const kids = new Map<string, PseudoNode | undefined>();
  const get = () => (memo ??= entries());
  const child = (name: string): PseudoNode | undefined => {
    const e = get();
    if (!Object.prototype.hasOwnProperty.call(e, name)) return undefined;
    const f = e[name]!;
    if (f[LIVE]) return f();
    if (!kids.has(name)) kids.set(name, f());
    return kids.get(name);
  };
  return {
    type: 'dir',
    mode,
    list: () => Object.keys(get()).filter((k) => child(k) !== undefined),
    child,
  };
}

export function sysRoot(v: KernelView): PseudoDir {
  return dir(() => ({
    module: () => moduleDir(v),
    kernel: () => kernelDir(v),
    devices: () => dir(() => ({ system: () => dir(() => ({ node: () => nodeDir(v) })) })),
    fs: () =>
      dir(() => ({
        cgroup: () => dir(() => ({})),
        // pstore: root-only (0750), one file per record part
        pstore: () => dir(() => Object.fromEntries(v.pstore().map((r) => [r.name, () => ro(() => r.text, 0o400)])), 0o750),
      })),
  }));
}

function moduleDir(v: KernelView): PseudoDir {
  const mods: Record<string, () => PseudoNode | undefined> = {
    kernel: () => dir(() => ({ parameters: () => dir(() => ({ panic: () => ro(() => '0\n', 0o644) })) })),
    printk: () => dir(() => ({ parameters: () => dir(() => ({ time: () => ro(() => 'Y\n', 0o644) })) })),
  };
  if (v.profile.flavor !== 'none') {
    mods.kfence = () =>
      dir(() => ({
        parameters: () =>
          dir(() => {
            const out: Record<string, () => PseudoNode> = {};
            for (const [name, mode] of Object.entries(v.profile.params)) {
              out[name] = () => {
                const f: PseudoFile = { type: 'file', mode, read: () => v.kernel.readParam(name) };
                if (mode & 0o222) f.write = (val) => v.kernel.setParam(name, val, v.uptimeMs());
                return f;
              };
            }
            return out;
          }),
      }));
  }
  return dir(() => mods);
}

function kernelDir(v: KernelView): PseudoDir {
  return dir(() => ({
    kexec_loaded: () => ro(() => '0\n'),
    kexec_crash_loaded: () => ro(() => (v.crashKernel().loaded ? '1\n' : '0\n')),
    kexec_crash_size: () => ro(() => `${v.crashKernel().reservedBytes}\n`, 0o644),
    slab: () => slabDir(v),
    debug: () =>
      dir(
        () => ({
          kfence: live(() =>
            v.kernel.debugfs && v.profile.flavor !== 'none'
              ? dir(() => ({
                  stats: () => ro(() => v.kernel.stats(v.uptimeMs())),
                  objects: () => ro(() => v.kernel.objects(v.uptimeMs()), 0o400),
                }))
              : undefined),
          tracing: () => dir(() => ({}), 0o700),
          bdi: () => dir(() => ({})),
        }),
        0o700,
      ),
    mm: () => dir(() => ({ transparent_hugepage: () => dir(() => ({ enabled: () => ro(() => 'always [madvise] never\n', 0o644) })) })),
  }));
}

function slabDir(v: KernelView): PseudoDir {
  // ~300 caches on Debian 6.12: answer a lookup from the profile's index, never by building the
  // whole directory (a probe looks up every cache several times).
  const { groups, names } = v.profile.slabs;
  const caches = new Map<number, PseudoDir>();
  return {
    type: 'dir',
    mode: 0o755,
    list: () => [...names.keys()],
    child: (name) => {
      const info = names.get(name);
      if (!info) return undefined;
      if (info.link) return { type: 'link', target: groups[info.group]!.dir };
      let d = caches.get(info.group);
      if (!d) caches.set(info.group, (d = slabCacheDir(v, info.group)));
      return d;
    },
  };
}

function slabCacheDir(v: KernelView, gi: number): PseudoDir {
  const grp = v.profile.slabs.groups[gi]!;
  const nodes = v.kernel.mem.nodes;
  const objs = () => {
    const per = Array.from({ length: nodes }, (_, i) => Math.floor(grp.objects / nodes) + (i < grp.objects % nodes ? 1 : 0));
    // SLUB lists only nodes that hold objects (an empty cache reads "0").
    return `${grp.objects}${per.map((n, i) => (n > 0 ? ` N${i}=${n}` : '')).join('')}\n`;
  };
  const perSlab = Math.max(1, Math.floor((4096 << grp.order) / grp.slabSize));
  const values: Record<string, () => string> = {
    aliases: () => `${Math.max(0, grp.aliases.length - 1)}\n`,
    align: () => `${grp.objectSize >= 64 ? 64 : 8}\n`,
    cpu_partial: () => '30\n',
    ctor: () => '',
    hwcache_align: () => '0\n',
    min_partial: () => '5\n',
    object_size: () => `${grp.objectSize}\n`,
    objs_per_slab: () => `${perSlab}\n`,
    order: () => `${grp.order}\n`,
    poison: () => '0\n',
    reclaim_account: () => (grp.dir.startsWith(':a') ? '1\n' : '0\n'),
    red_zone: () => '0\n',
    sanity_checks: () => '0\n',
    slab_size: () => `${grp.slabSize}\n`,
    slabs: () => `${Math.ceil(grp.objects / perSlab)}\n`,
    store_user: () => '0\n',
    total_objects: objs,
    objects: objs,
  };
  return dir(() => {
    const out: Record<string, () => PseudoNode> = {};
    for (const a of SLAB_RO_ATTRS) out[a] = () => ro(values[a]!);
    out.shrink = () => ({ type: 'file', mode: 0o200, read: () => '', write: () => null });
    const ctl = v.profile.slabControl;
    if (ctl !== 'none')
      out[ctl] = () => ({ type: 'file', mode: 0o600, read: () => v.kernel.readSlabFlag(gi), write: (val) => v.kernel.setSlabFlag(gi, val) });
    return out;
  });
}

function nodeDir(v: KernelView): PseudoDir {
  const n = v.kernel.mem.nodes;
  const range = n === 1 ? '0' : `0-${n - 1}`;
  return dir(() => {
    const out: Record<string, () => PseudoNode> = {
      online: () => ro(() => `${range}\n`),
      possible: () => ro(() => `${range}\n`),
      has_cpu: () => ro(() => `${range}\n`),
      has_memory: () => ro(() => `${range}\n`),
      has_normal_memory: () => ro(() => `${range}\n`),
    };
    const per = v.kernel.mem.totalBytes / BigInt(n) / 1024n;
    for (let i = 0; i < n; i++) {
      out[`node${i}`] = () =>
        dir(() => ({
          cpulist: () => ro(() => `${i * 4}-${i * 4 + 3}\n`),
          meminfo: () => ro(() => `Node ${i} MemTotal:       ${String(per).padStart(8)} kB\nNode ${i} MemFree:        ${String((per * 6n) / 10n).padStart(8)} kB\n`),
        }));
    }
    return out;
  });
}

export function procRoot(v: KernelView): PseudoDir {
  return dir(() => ({
    cmdline: () => ro(() => v.cmdline + '\n'),
    meminfo: () => ro(() => v.meminfo()),
    uptime: () =>
      ro(() => {
        const s = v.uptimeMs() / 1000;
        return `${s.toFixed(2)} ${(s * 3.7).toFixed(2)}\n`;
      }),
    version: () => ro(() => `Linux version ${v.profile.release} (mockbuild@lab) (gcc (GCC) 10.2.1) ${v.profile.kernelBuild}\n`),
    loadavg: () => ro(() => '0.08 0.03 0.01 1/212 4242\n'),
    mounts: () =>
      ro(() =>
        [
          'sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0',
          'proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0',
          'devtmpfs /dev devtmpfs rw,nosuid,size=4096k,mode=755 0 0',
          '/dev/vda2 / ext4 rw,relatime 0 0',
          'debugfs /sys/kernel/debug debugfs rw,nosuid,nodev,noexec,relatime 0 0',
          'tmpfs /run tmpfs rw,nosuid,nodev,mode=755 0 0',
        ].join('\n') + '\n',
      ),
    'sysrq-trigger': () => ({ type: 'file', mode: 0o200, read: () => '', write: (val) => (v.sysrq(val.trim()), null) }),
    sys: () =>
      dir(() => ({
        kernel: () =>
          dir(() => ({
            osrelease: () => ro(() => v.profile.release + '\n'),
            ostype: () => ro(() => 'Linux\n'),
            hostname: () => ro(() => v.hostname + '\n', 0o644),
            tainted: () => ro(() => (v.kernel.tainted ? '32\n' : '0\n'), 0o644),
            panic: () => sysctlFile(v, 'kernel.panic'),
            panic_on_warn: () => sysctlFile(v, 'kernel.panic_on_warn'),
            softlockup_panic: () => sysctlFile(v, 'kernel.softlockup_panic'),
            hung_task_panic: () => sysctlFile(v, 'kernel.hung_task_panic'),
            random: () => dir(() => ({ boot_id: () => ro(() => v.bootId + '\n'), uuid: () => ro(() => crypto.randomUUID() + '\n') })),
          })),
      })),
  }));
}

/** Follow a normalized absolute path inside a pseudo root ("/sys" or "/proc" stripped). */
export function lookup(root: PseudoDir, rootPath: string, rel: string[], followLast: boolean, canTraverse: (mode: number) => boolean): { node?: PseudoNode; path: string; errno?: Errno } {
  let cur: PseudoNode = root;
  const stack: string[] = [];
  const parts = [...rel];
  let hops = 0;
  while (parts.length > 0) {
    const name = parts.shift()!;
    if (cur.type !== 'dir') return { errno: 'ENOTDIR', path: rootPath + '/' + stack.join('/') };
    if (!canTraverse(cur.mode)) return { errno: 'EACCES', path: rootPath + '/' + stack.join('/') };
    if (name === '.' || name === '') continue;
    if (name === '..') {
      stack.pop();
      cur = root;
      const again = lookup(root, rootPath, [...stack], true, canTraverse);
      if (!again.node) return again;
      cur = again.node;
      continue;
    }
    const next: PseudoNode | undefined = cur.child(name);
    if (!next) return { path: rootPath + '/' + [...stack, name].join('/') };
    if (next.type === 'link' && (parts.length > 0 || followLast)) {
      if (++hops > 40) return { errno: 'ENOENT', path: rootPath };
      parts.unshift(...next.target.split('/'));
      const base = lookup(root, rootPath, [...stack], true, canTraverse);
      if (!base.node) return base;
      cur = base.node;
      continue;
    }
    stack.push(name);
    cur = next;
  }
  return { node: cur, path: rootPath + (stack.length ? '/' + stack.join('/') : '') };
}
