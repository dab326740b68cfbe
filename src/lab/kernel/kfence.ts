// The KFENCE state of one booted lab kernel, written from kfence-interface.md (never from
// src/kernel: DESIGN principle 10). Parameter writes return an errno or null; reads return the
// sysfs text. Time is passed in (milliseconds since boot) so the model stays pure and lazy.

import type { Profile } from '../profiles.js';
import { kstrtobool, kstrtol, kstrtoul, kstrtouint, strstrip, type Errno } from './parse.js';
import { applyBootingMax } from './booting-max.js';
import { buildReport, type BugKind } from './reports.js';

export const MAX_OBJECTS_PER_AREA = 131071n;
export const GiB = 1n << 30n;

export interface MemoryLayout {
  /** Nominal RAM in bytes. */
  totalBytes: bigint;
  nodes: number;
  /** Free, physically contiguous 1 GiB blocks per node available to alloc_contig_pages. */
  contiguousGiBPerNode: number;
}

export interface Area {
  node: number;
  objects: bigint;
  bytes: bigint;
  boot: boolean;
  /** When disabled: the time (ms since boot) at which the asynchronous free completes. */
  freeAt?: number;
}

export interface Counters {
  allocated: number;
  allocs: number;
  frees: number;
  pageAllocated: number;
  pageAllocs: number;
  pageFrees: number;
  zombies: number;
  bugs: number;
  skipIncompatible: number;
  skipCapacity: number;
  skipCovered: number;
}

export interface KernelHooks {
  log(atMs: number, text: string): void;
  rand(): number;
}

export type ParamResult = Errno | null;

/** The delay of Anolis' asynchronous area release after a disable (RCU + workqueue + live objects). */
export const AREA_FREE_DELAY_MS = 1500;

export class KfenceKernel {
  readonly profile: Profile;
  readonly mem: MemoryLayout;
  private readonly hooks: KernelHooks;
  booting = true;
  enabled = false;
  interval: bigint;
  numObjects: bigint;
  poolNode = false;
  order0 = true;
  fault: 'report' | 'panic' = 'report';
  skipCoveredThresh = 75n;
  burst = 0n;
  deferrable = false;
  checkOnPanic = false;
  /** Anolis kfence_num_objects_snap: the boot-time "upstream mode" size, 0 if none. */
  snap = 0n;
  areas: Area[] = [];
  counters: Counters | null = null;
  debugfs = false;
  tainted = false;
  /** Per slab group: Alinux kfence_enable (default 1) or upstream SLAB_SKIP_KFENCE (default 0). */
  readonly slabFlag: boolean[];
  /** Runtime (alloc_contig_pages) 1 GiB blocks in use per node. */
  private readonly contigUsed: number[];
  private enabledSince = 0;
  private simulatedUntil = 0;
  private nextIndex = 1;

  constructor(profile: Profile, mem: MemoryLayout, hooks: KernelHooks) {
    this.profile = profile;
    this.mem = mem;
    this.hooks = hooks;
    this.interval = BigInt(profile.configSampleInterval);
    this.numObjects = BigInt(profile.configNumObjects);
    this.slabFlag = profile.slabs.groups.map(() => profile.slabControl === 'kfence_enable');
    this.contigUsed = Array.from({ length: mem.nodes }, () => 0);
    if (profile.flavor === 'upstream' && !profile.upstream?.debugfsOnlyWhenEnabled) this.debugfs = true;
    if (profile.flavor === 'alinux') this.debugfs = true;
  }

  get alinux(): boolean {
    return this.profile.flavor === 'alinux';
  }

  /** memblock_phys_mem_size(): a little below nominal RAM (firmware reservations). */
  get memblockBytes(): bigint {
    return this.mem.totalBytes - this.mem.totalBytes / 200n;
  }

  // ---------------------------------------------------------------- boot

  /** Parse kfence.* from the command line while SYSTEM_BOOTING, then run kfence_init. */
  boot(cmdline: string, atMs: number): void {
    const words = cmdline.split(/\s+/).filter(Boolean);
    for (const w of words) {
      if (!w.startsWith('kfence.')) continue;
      const eq = w.indexOf('=');
      const name = w.slice('kfence.'.length, eq < 0 ? undefined : eq);
      const val = eq < 0 ? '' : w.slice(eq + 1);
      if (name === 'booting_max' && this.profile.alinux?.hasBootingMax) continue;
      if (this.alinux && this.profile.arch === 'aarch64' && name === 'num_objects') {
        // ARM510 early_param: applied only when the pool stays below 1 GiB.
        const r = kstrtoul(val);
        const pud = GiB;
        if (r.ok && r.value > 0n && (r.value + 1n) * 2n * BigInt(this.profile.pageSize) < pud) this.numObjects = r.value;
        continue;
      }
      if (!(name in this.profile.params)) {
        this.hooks.log(atMs, `Unknown kernel command line parameters "${w}", will be passed to user space.`);
        continue;
      }
      const err = this.setParam(name, val, atMs);
      if (err) this.hooks.log(atMs, `Booting kernel: \`${val}' invalid for parameter \`kfence.${name}'`);
    }
    if (this.profile.flavor === 'alinux') this.bootAlinux(cmdline, atMs);
    else if (this.profile.flavor === 'upstream') this.bootUpstream(atMs);
    this.booting = false;
  }

  private bootUpstream(atMs: number): void {
    if (this.interval === 0n) return;
    this.allocUpstreamPool(atMs, true);
  }

  private allocUpstreamPool(atMs: number, boot: boolean): void {
    const objects = BigInt(this.profile.configNumObjects);
    const bytes = (objects + 1n) * 2n * BigInt(this.profile.pageSize);
    this.areas = [{ node: 0, objects, bytes, boot }];
    // At boot the %p hashing key is not ready yet: the real 6.12 kernel prints "0x(____ptrval____)".
    const at = boot ? '0x(____ptrval____)-0x(____ptrval____)' : `${this.hashedPtr()}-${this.hashedPtr()}`;
    this.hooks.log(atMs, `kfence: initialized - using ${bytes} bytes for ${objects} objects at ${at}`);
    this.startEnabled(atMs);
    this.debugfs = true;
  }

  private bootAlinux(cmdline: string, atMs: number): void {
    if (this.interval === 0n) {
      this.snap = 0n;
      return;
    }
    let n = this.numObjects;
    const fail = () => {
      this.interval = 0n;
      this.enabled = false;
      this.areas = [];
    };
    if (n < MAX_OBJECTS_PER_AREA) {
      if (this.poolNode || this.interval < 0n) return fail();
      if (this.profile.alinux?.hasBootingMax) {
        const r = applyBootingMax(cmdline, this.memblockBytes, n, this.profile.pageSize);
        for (const m of r.messages) this.hooks.log(atMs, `kfence: ${m}`);
        if (r.maxObjects === 0n) return fail();
        n = r.maxObjects;
        this.numObjects = n;
      }
      const bytes = (n + 1n) * 2n * BigInt(this.profile.pageSize);
      this.areas = [{ node: 0, objects: n, bytes, boot: true }];
      this.snap = n;
      this.logInit(atMs, this.areas[0]!);
      this.startEnabled(atMs);
      return;
    }
    n = roundUp(n, MAX_OBJECTS_PER_AREA);
    this.numObjects = n;
    const perNode = this.areaPlan(n);
    const areas: Area[] = [];
    const nodeBytes = this.mem.totalBytes / BigInt(this.mem.nodes);
    perNode.forEach((count, node) => {
      if (count === 0) return;
      if (BigInt(count) * GiB > (nodeBytes * 3n) / 4n) {
        this.hooks.log(atMs, this.profile.alinux?.allocFailMessage === 'metadata' ? `kfence: kfence alloc metadata on node ${node} failed` : `kfence: kfence alloc pool on node ${node} failed`);
        return;
      }
      for (let i = 0; i < count; i++) areas.push({ node, objects: MAX_OBJECTS_PER_AREA, bytes: GiB, boot: true });
    });
    if (areas.length === 0) {
      this.hooks.log(atMs, 'kfence: kfence_init failed on all nodes!');
      return fail();
    }
    this.areas = areas;
    this.snap = 0n;
    for (const a of areas) this.logInit(atMs, a);
    this.startEnabled(atMs);
  }

  /** How many 1 GiB areas each node needs for n objects (global: spread, node: on every node). */
  private areaPlan(n: bigint): number[] {
    const k = Number(roundUp(n, MAX_OBJECTS_PER_AREA) / MAX_OBJECTS_PER_AREA);
    const nodes = this.mem.nodes;
    if (this.poolNode) return Array.from({ length: nodes }, () => k);
    return Array.from({ length: nodes }, (_, i) => Math.floor(k / nodes) + (i < k % nodes ? 1 : 0));
  }

  private logInit(atMs: number, a: Area): void {
    this.hooks.log(atMs, `kfence: initialized - using ${a.bytes} bytes for ${a.objects} objects on node ${a.node}`);
  }

  private startEnabled(atMs: number): void {
    this.enabled = true;
    this.enabledSince = atMs;
    this.simulatedUntil = atMs;
    this.counters ??= emptyCounters();
  }

  // ---------------------------------------------------------------- time

  /** Apply what happened since the last call: sampled allocations, asynchronous area frees. */
  advance(nowMs: number): void {
    const keep: Area[] = [];
    for (const a of this.areas) {
      if (a.freeAt !== undefined && a.freeAt <= nowMs) {
        if (!a.boot) this.contigUsed[a.node] = Math.max(0, (this.contigUsed[a.node] ?? 0) - 1);
        this.hooks.log(a.freeAt, `kfence: freed ${a.bytes} bytes for ${a.objects} objects on node ${a.node}`);
      } else keep.push(a);
    }
    this.areas = keep;
    if (this.enabled && this.counters && nowMs > this.simulatedUntil) {
      const ms = nowMs - this.simulatedUntil;
      const per = this.interval < 0n ? 0.05 : Number(this.interval);
      const anySlab = this.profile.slabControl === 'skip_kfence' ? this.slabFlag.some((s) => !s) : this.profile.slabControl === 'kfence_enable' ? this.slabFlag.some(Boolean) : true;
      const samples = Math.floor(ms / Math.max(per, 0.05));
      if (samples > 0) {
        const c = this.counters;
        const pool = Number(this.poolObjects());
        const page = this.alinux && this.order0 ? Math.floor(samples / 10) : 0;
        const slab = anySlab ? samples - page : 0;
        c.allocs += slab;
        c.pageAllocs += page;
        c.allocated = Math.min(Math.max(1, Math.floor(pool / 20)), c.allocs - c.frees + slab) || 0;
        c.allocated = Math.min(c.allocated, c.allocs);
        c.frees = c.allocs - c.allocated;
        c.pageAllocated = Math.min(page > 0 ? 1 : c.pageAllocated, c.pageAllocs);
        c.pageFrees = c.pageAllocs - c.pageAllocated;
        this.simulatedUntil += samples * Math.max(per, 0.05);
      }
    } else if (!this.enabled) {
      this.simulatedUntil = nowMs;
    }
  }

  poolObjects(): bigint {
    return this.areas.filter((a) => a.freeAt === undefined).reduce((s, a) => s + a.objects, 0n);
  }

  // ---------------------------------------------------------------- parameters

  readParam(name: string): string {
    switch (name) {
      case 'sample_interval':
        return `${this.enabled ? this.interval : 0n}\n`;
      case 'num_objects':
        return `${this.numObjects}\n`;
      case 'pool_mode':
        return this.poolNode ? 'node\n' : 'global\n';
      case 'order0_page':
        return this.order0 ? '1\n' : '0\n';
      case 'fault':
        return `${this.fault}\n`;
      case 'skip_covered_thresh':
        return `${this.skipCoveredThresh}\n`;
      case 'burst':
        return `${this.burst}\n`;
      case 'deferrable':
        return this.deferrable ? 'Y\n' : 'N\n';
      case 'check_on_panic':
        return this.checkOnPanic ? 'Y\n' : 'N\n';
      default:
        return '';
    }
  }

  /** A write of `val` (the exact bytes, newline included) to parameters/<name>. */
  setParam(name: string, val: string, atMs: number): ParamResult {
    this.advance(atMs);
    switch (name) {
      case 'sample_interval':
        return this.alinux ? this.setIntervalAlinux(val, atMs) : this.setIntervalUpstream(val, atMs);
      case 'num_objects': {
        const r = kstrtoul(val);
        if (!r.ok) return r.errno;
        if (this.booting && this.profile.arch === 'aarch64') return null;
        if (r.value === 0n) return 'EINVAL';
        if (this.enabled) return this.profile.alinux?.numObjectsBusyErrno ?? 'EINVAL';
        this.numObjects = r.value;
        return null;
      }
      case 'pool_mode': {
        if (this.enabled) return 'EINVAL';
        const s = strstrip(val);
        if (s === 'global') this.poolNode = false;
        else if (s === 'node') this.poolNode = true;
        else return 'EINVAL';
        return null;
      }
      case 'order0_page': {
        const r = kstrtobool(val);
        if (!r.ok) return r.errno;
        this.order0 = r.value;
        return null;
      }
      case 'fault': {
        const s = strstrip(val);
        if (s === 'report' || s === 'panic') this.fault = s;
        else return 'EINVAL';
        return null;
      }
      case 'skip_covered_thresh': {
        const r = kstrtoul(val);
        if (!r.ok) return r.errno;
        this.skipCoveredThresh = r.value;
        return null;
      }
      case 'burst': {
        const r = kstrtouint(val);
        if (!r.ok) return r.errno;
        this.burst = r.value;
        return null;
      }
      case 'deferrable':
      case 'check_on_panic': {
        if (!this.booting) return 'EACCES';
        const r = val === '' ? ({ ok: true, value: true } as const) : kstrtobool(val);
        if (!r.ok) return r.errno;
        if (name === 'deferrable') this.deferrable = r.value;
        else this.checkOnPanic = r.value;
        return null;
      }
      default:
        return 'EINVAL';
    }
  }

  private setIntervalUpstream(val: string, atMs: number): ParamResult {
    const r = kstrtoul(val);
    if (!r.ok) return r.errno;
    const num = r.value;
    if (this.booting) {
      this.interval = num;
      return null;
    }
    if (!this.profile.upstream?.lateEnable) {
      // 5.12 - 5.17
      if (num === 0n) this.enabled = false;
      else if (!this.enabled) return 'EINVAL';
      this.interval = num;
      return null;
    }
    if (num === 0n && this.enabled) {
      if (this.profile.upstream.logDisable) this.hooks.log(atMs, 'kfence: disabled');
      this.enabled = false;
    }
    this.interval = num;
    if (num !== 0n && !this.enabled) {
      if (this.areas.length > 0) {
        this.hooks.log(atMs, 'kfence: re-enabled');
        this.startEnabled(atMs);
        return null;
      }
      if (this.mem.contiguousGiBPerNode === 0) {
        // A fragmented host: alloc_contig_pages finds no range.
        this.hooks.log(atMs, 'kfence: kfence_init_late failed');
        return 'ENOMEM';
      }
      this.allocUpstreamPool(atMs, false);
    }
    return null;
  }

  private setIntervalAlinux(val: string, atMs: number): ParamResult {
    const r = kstrtol(val);
    if (!r.ok) return r.errno;
    const num = r.value;
    if (this.booting) {
      this.interval = num;
      return null;
    }
    if ((this.interval > 0n && num < 0n) || (this.interval < 0n && num > 0n)) return 'EINVAL';
    if (num === 0n) this.disableAlinux(atMs);
    this.interval = num;
    if (num !== 0n && !this.enabled) this.enableLateAlinux(atMs);
    return null;
  }

  private disableAlinux(atMs: number): void {
    if (!this.enabled) return;
    this.enabled = false;
    for (const a of this.areas) a.freeAt = atMs + AREA_FREE_DELAY_MS;
  }

  /** kfence_init_late (A510) / kfence_enable_late (A66): void, failures are silent. */
  private enableLateAlinux(atMs: number): void {
    const fail = (node?: number) => {
      if (node !== undefined)
        this.hooks.log(atMs, this.profile.alinux?.allocFailMessage === 'metadata' ? `kfence: kfence alloc metadata on node ${node} failed` : `kfence: kfence alloc pool on node ${node} failed`);
      this.interval = 0n;
      for (const a of this.areas) a.freeAt ??= atMs + AREA_FREE_DELAY_MS;
    };
    if (this.numObjects > this.snap || this.poolNode) this.numObjects = roundUp(this.numObjects, MAX_OBJECTS_PER_AREA);
    if (this.numObjects < MAX_OBJECTS_PER_AREA && this.interval < 0n) return fail();
    // Resurrect the areas that are not freed yet.
    for (const a of this.areas) delete a.freeAt;
    if (this.numObjects < MAX_OBJECTS_PER_AREA) {
      // Reusing the boot-time upstream-mode pool, if it still exists.
      const have = this.poolObjects();
      if (have >= this.numObjects) {
        this.startEnabled(atMs);
        return;
      }
    }
    const want = this.areaPlan(roundUp(this.numObjects, MAX_OBJECTS_PER_AREA));
    const haveBig = Array.from({ length: this.mem.nodes }, (_, n) => this.areas.filter((a) => a.node === n && a.objects === MAX_OBJECTS_PER_AREA).length);
    const created: Area[] = [];
    for (let node = 0; node < this.mem.nodes; node++) {
      let need = (want[node] ?? 0) - (haveBig[node] ?? 0);
      while (need > 0) {
        // __GFP_THISNODE first, then any node.
        let target = -1;
        if ((this.contigUsed[node] ?? 0) < this.mem.contiguousGiBPerNode) target = node;
        else target = this.contigUsed.findIndex((u) => u < this.mem.contiguousGiBPerNode);
        if (target < 0) {
          for (const c of created) this.contigUsed[c.node] = (this.contigUsed[c.node] ?? 1) - 1;
          this.areas = this.areas.filter((a) => !created.includes(a));
          return fail(node);
        }
        this.contigUsed[target] = (this.contigUsed[target] ?? 0) + 1;
        const a: Area = { node: target, objects: MAX_OBJECTS_PER_AREA, bytes: GiB, boot: false };
        created.push(a);
        this.areas.push(a);
        need--;
      }
    }
    // start_kfence(): forget upstream mode once 1 GiB areas are in use.
    const small = this.areas.filter((a) => a.objects < MAX_OBJECTS_PER_AREA);
    if (created.length > 0 || small.length === 0) {
      for (const a of small) a.freeAt = atMs + AREA_FREE_DELAY_MS;
      this.snap = 0n;
    }
    for (const a of created) this.logInit(atMs, a);
    if (this.profile.alinux?.rewritesNumObjects) this.numObjects = this.poolObjects();
    this.startEnabled(atMs);
  }

  // ---------------------------------------------------------------- slabs

  readSlabFlag(group: number): string {
    return this.slabFlag[group] ? '1\n' : '0\n';
  }

  setSlabFlag(group: number, val: string): ParamResult {
    if (this.profile.slabControl === 'kfence_enable') {
      const r = kstrtobool(val);
      if (!r.ok) return r.errno;
      this.slabFlag[group] = r.value;
      return null;
    }
    if (val[0] === '0') this.slabFlag[group] = false;
    else if (val[0] === '1') this.slabFlag[group] = true;
    else return 'EINVAL';
    return null;
  }

  private monitored(group: number): boolean {
    return this.profile.slabControl === 'skip_kfence' ? !this.slabFlag[group] : this.profile.slabControl === 'kfence_enable' ? !!this.slabFlag[group] : true;
  }

  // ---------------------------------------------------------------- debugfs

  stats(nowMs: number): string {
    this.advance(nowMs);
    let out = `enabled: ${this.enabled ? 1 : 0}\n`;
    const c = this.counters;
    if (this.alinux) {
      if (!c) return out;
      const w = this.profile.alinux?.statsWidth ?? 30;
      const rows: [string, number][] = [
        ['currently slab allocated', c.allocated],
        ['total slab allocations', c.allocs],
        ['total slab frees', c.frees],
        ['zombie slab allocations', c.zombies],
        ['currently page allocated', c.pageAllocated],
        ['total page allocations', c.pageAllocs],
        ['total page frees', c.pageFrees],
        ['total bugs', c.bugs],
      ];
      for (const [k, v] of rows) out += `${k.padEnd(w)}:${String(v).padStart(20)}\n`;
      out += '\nnode\tobject_size\tpool_size\n';
      for (let n = 0; n < this.mem.nodes; n++) {
        const mine = this.areas.filter((a) => a.node === n);
        if (mine.length === 0) continue;
        const objs = mine.reduce((s, a) => s + a.objects, 0n);
        const bytes = mine.reduce((s, a) => s + a.bytes, 0n);
        out += `${String(n).padEnd(8)}${String(objs).padEnd(16)}${poolSize(bytes)}\n`;
      }
      return out;
    }
    const u = c ?? emptyCounters();
    const rows: [string, number][] = [
      ['currently allocated', u.allocated],
      ['total allocations', u.allocs],
      ['total frees', u.frees],
      ['zombie allocations', u.zombies],
      ['total bugs', u.bugs],
    ];
    if (this.profile.upstream?.skippedCounters)
      rows.push(['skipped allocations (incompatible)', u.skipIncompatible], ['skipped allocations (capacity)', u.skipCapacity], ['skipped allocations (covered)', u.skipCovered]);
    for (const [k, v] of rows) out += `${k}: ${v}\n`;
    return out;
  }

  objects(nowMs: number): string {
    this.advance(nowMs);
    const parts: string[] = [];
    const sep = '---------------------------------';
    this.areas.forEach((a, ai) => {
      if (this.alinux && ai > 0) parts.push(sep);
      const n = Number(a.objects);
      for (let i = 0; i < n; i++) {
        const prefix = this.alinux ? `node ${a.node}: ` : '';
        parts.push(`${prefix}kfence-#${i} unused`, sep);
      }
    });
    return parts.length ? parts.join('\n') + '\n' : '';
  }

  // ---------------------------------------------------------------- bugs

  /**
   * Report a bug as __kfence_alloc'd objects would: only when KFENCE is enabled and the object's
   * cache is monitored. Returns 'undetected', 'reported', or 'panic' (fault=panic).
   */
  inject(kind: BugKind, atMs: number, ctx: { release: string; build: string; hardware: string }): 'undetected' | 'reported' | 'panic' {
    this.advance(atMs);
    if (!this.enabled || !this.counters) return 'undetected';
    const prefer = ['kmalloc-64', 'kmalloc-32', 'kmalloc-128', 'kmalloc-256', 'dentry', 'filp'];
    let cache: string | undefined;
    let size = 32;
    const groups = this.profile.slabs.groups;
    for (const name of prefer) {
      const gi = groups.findIndex((g) => g.aliases.includes(name) || g.dir === name);
      if (gi >= 0 && this.monitored(gi)) {
        cache = name;
        size = Math.min(groups[gi]!.objectSize, 64) - 7;
        break;
      }
    }
    if (!cache) {
      const gi = groups.findIndex((_, i) => this.monitored(i));
      if (gi >= 0) {
        cache = groups[gi]!.aliases[0] ?? groups[gi]!.dir;
        size = Math.max(8, groups[gi]!.objectSize - 8);
      } else if (this.alinux && this.order0) {
        cache = 'PAGE';
        size = 4096;
      } else return 'undetected';
    }
    const area = this.areas[0];
    const index = this.alinux ? this.nextIndex++ % Number(area?.objects ?? 255n) : this.nextIndex++ % 255;
    const lines = buildReport({
      kind,
      index,
      cache,
      size,
      uptimeSec: atMs / 1000,
      cpu: Math.floor(this.hooks.rand() * 4),
      pid: 1000 + Math.floor(this.hooks.rand() * 30000),
      comm: 'lab-faulty',
      tainted: this.tainted,
      rand: () => this.hooks.rand(),
      node: this.alinux ? area?.node ?? 0 : undefined,
      style: this.profile.reportStyle,
      ...ctx,
    });
    for (const l of lines) this.hooks.log(atMs, l);
    this.tainted = true;
    this.counters.bugs++;
    if (this.alinux && this.profile.alinux?.hasFault && this.fault === 'panic') {
      this.hooks.log(atMs, 'Kernel panic - not syncing: kfence.fault=panic set ...');
      return 'panic';
    }
    return 'reported';
  }

  private hashedPtr(): string {
    return '0x' + Math.floor(this.hooks.rand() * 0xffffffff).toString(16).padStart(16, '0');
  }

  /** Bytes of KFENCE pool currently held (boot areas come out of MemTotal, runtime ones out of MemFree). */
  poolBytes(boot: boolean): bigint {
    return this.areas.filter((a) => a.boot === boot).reduce((s, a) => s + a.bytes, 0n);
  }
}

function roundUp(n: bigint, m: bigint): bigint {
  return ((n + m - 1n) / m) * m;
}

function emptyCounters(): Counters {
  return { allocated: 0, allocs: 0, frees: 0, pageAllocated: 0, pageAllocs: 0, pageFrees: 0, zombies: 0, bugs: 0, skipIncompatible: 0, skipCapacity: 0, skipCovered: 0 };
}

/** print_pool_size: "%lu B|KB|MB|GB", truncating. */
function poolSize(bytes: bigint): string {
  if (bytes >= GiB) return `${bytes >> 30n} GB`;
  if (bytes >= 1n << 20n) return `${bytes >> 20n} MB`;
  if (bytes >= 1n << 10n) return `${bytes >> 10n} KB`;
  return `${bytes} B`;
}
