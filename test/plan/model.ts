// A small pure model of the kernel, grubby and a reboot, written from kfence-interface.md on its
// own (it does not import src/kernel): the witness the planner's plans are executed against.
// It keeps the live state in HostFacts form so the planner can be asked again afterwards.

import { createHash } from 'node:crypto';
import type { HostFacts } from '../../src/facts/types.js';
import type { HostPlan } from '../../src/plan/types.js';

const PER_AREA = 131071; // 4 KiB pages: 1 GiB / 4 KiB / 2 - 1
const P = '/sys/module/kfence/parameters/';
const S = '/sys/kernel/slab/';

export class KernelError extends Error {
  constructor(readonly errno: 'EINVAL' | 'EBUSY' | 'EACCES' | 'ENOENT', what: string) {
    super(`${errno}: ${what}`);
  }
}

/** Hidden kernel state that is not visible in facts. */
export interface Hidden {
  enabled: boolean;
  /** Stored sample_interval (the file reads 0 while disabled). */
  stored: number;
  /** Boot-time upstream-mode snapshot (Anolis), 0 = none. */
  snap: number;
}

export interface ModelHost {
  f: HostFacts;
  h: Hidden;
  /** The installed unit script (the facts only carry its hash). */
  unitScript: string | null;
}

const clone = <T>(x: T): T => structuredClone(x);
const isAlinux = (f: HostFacts): boolean => 'num_objects' in f.kfence.params;
function upstreamLate(f: HostFacts): boolean {
  const m = /^(\d+)\.(\d+)/.exec(f.kernel.release);
  return !!m && (Number(m[1]) > 5 || (Number(m[1]) === 5 && Number(m[2]) >= 18));
}
function kstrtol(v: string): number {
  const s = v.trim();
  if (!/^[+-]?(0x[0-9a-f]+|\d+)$/i.test(s)) throw new KernelError('EINVAL', `kstrtol ${v}`);
  return Number(s);
}
function kstrtobool(v: string): boolean {
  const c = v.trim().toLowerCase();
  if (['1', 'y', 'yes', 'on'].includes(c)) return true;
  if (['0', 'n', 'no', 'off'].includes(c)) return false;
  throw new KernelError('EINVAL', `kstrtobool ${v}`);
}
const roundArea = (n: number): number => Math.ceil(n / PER_AREA) * PER_AREA;

function setParam(f: HostFacts, name: string, value: string): void {
  const p = f.kfence.params[name];
  if (p) p.value = value;
}
function showInterval(m: ModelHost): void {
  setParam(m.f, 'sample_interval', m.h.enabled ? String(m.h.stored) : '0');
  m.f.kfence.stats = m.h.enabled || m.f.kfence.stats ? { enabled: m.h.enabled, counters: {}, format: isAlinux(m.f) ? 'anolis' : 'upstream' } : null;
}

function alinuxEnableLate(m: ModelHost): void {
  const f = m.f;
  let n = Number(f.kfence.params.num_objects?.value ?? '255');
  const node = f.kfence.params.pool_mode?.value === 'node';
  if (n > m.h.snap || node) n = roundArea(n);
  if (n < PER_AREA && m.h.stored < 0) {
    m.h.stored = 0; // silent failure: the write succeeds, the file reads 0
    return;
  }
  // The small pool was freed at the disable; the shortfall comes in whole 1 GiB areas.
  n = roundArea(n);
  m.h.enabled = true;
  m.h.snap = 0; // "forget upstream mode"
  setParam(f, 'num_objects', String(n)); // A66 exports the allocated total
}

/** One sysfs write with the kernel's rules (errno included). */
export function sysfsWrite(m: ModelHost, path: string, value: string): void {
  const f = m.f;
  if (path.startsWith(P)) {
    const name = path.slice(P.length);
    const p = f.kfence.params[name];
    if (!p) throw new KernelError('ENOENT', path);
    if ((parseInt(p.mode, 8) & 0o222) === 0) throw new KernelError('EACCES', path);
    if (name === 'sample_interval') {
      if (isAlinux(f)) {
        const num = kstrtol(value);
        if ((m.h.stored > 0 && num < 0) || (m.h.stored < 0 && num > 0)) throw new KernelError('EINVAL', 'sign flip');
        if (num === 0) m.h.enabled = false;
        m.h.stored = num;
        if (!m.h.enabled && num !== 0) alinuxEnableLate(m);
      } else {
        const num = kstrtol(value);
        if (num < 0) throw new KernelError('EINVAL', 'kstrtoul');
        if (upstreamLate(f)) {
          if (num === 0) m.h.enabled = false;
          m.h.stored = num;
          if (num !== 0 && !m.h.enabled) m.h.enabled = true; // late enable / re-enable
        } else {
          if (num === 0) m.h.enabled = false;
          else if (!m.h.enabled) throw new KernelError('EINVAL', 'cannot re-enable KFENCE on-the-fly');
          m.h.stored = num;
        }
      }
      showInterval(m);
      return;
    }
    if (name === 'num_objects') {
      const num = kstrtol(value);
      if (num <= 0) throw new KernelError('EINVAL', 'num_objects 0');
      if (m.h.enabled) throw new KernelError('EBUSY', 'num_objects while enabled');
      p.value = String(num);
      return;
    }
    if (name === 'pool_mode') {
      if (m.h.enabled) throw new KernelError('EINVAL', 'pool_mode while enabled');
      const s = value.trim();
      if (s !== 'global' && s !== 'node') throw new KernelError('EINVAL', `pool_mode ${value}`);
      p.value = s;
      return;
    }
    if (name === 'order0_page') {
      p.value = kstrtobool(value) ? '1' : '0';
      return;
    }
    if (name === 'fault') {
      const s = value.trim();
      if (s !== 'report' && s !== 'panic') throw new KernelError('EINVAL', `fault ${value}`);
      p.value = s;
      return;
    }
    p.value = value.trim();
    return;
  }
  if (path.startsWith(S)) {
    const [name, file] = path.slice(S.length).split('/');
    const s = name === undefined ? undefined : f.slabs[name];
    if (!s || !file || s.control !== file) throw new KernelError('ENOENT', path);
    let v: string;
    if (file === 'kfence_enable') v = kstrtobool(value) ? '1' : '0';
    else if (value[0] === '0' || value[0] === '1') v = value[0];
    else throw new KernelError('EINVAL', `skip_kfence ${value}`);
    // Aliases are symlinks to one kmem_cache: every name of it shows the new value.
    const real = s.alias_of ?? name!;
    for (const x of Object.values(f.slabs)) if (x === f.slabs[real] || x.alias_of === real) x.value = v;
    return;
  }
  throw new KernelError('ENOENT', path);
}

export function sysfsRead(m: ModelHost, path: string): string {
  if (path.startsWith(P)) return m.f.kfence.params[path.slice(P.length)]?.value ?? '';
  const [name, file] = path.slice(S.length).split('/');
  const s = name === undefined ? undefined : m.f.slabs[name];
  if (!s || s.control !== file) throw new KernelError('ENOENT', path);
  return s.value ?? '';
}

// ---- kernel command line (independent of src/kernel/cmdline.ts) ----
function words(line: string): string[] {
  return line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? [];
}
function lastArg(line: string, key: string): string | undefined {
  let v: string | undefined;
  for (const w of words(line)) {
    const u = w.replace(/"/g, '');
    if (u.startsWith(`${key}=`)) v = u.slice(key.length + 1);
  }
  return v;
}
/** grubby --update-kernel K --remove-args R --args A: removal first, then each arg replaces or appends. */
export function grubbyEdit(args: string, add: string[], remove: string[]): string {
  let w = words(args).filter((x) => !remove.includes(x.replace(/"/g, '').split('=')[0] ?? ''));
  for (const a of add) {
    const key = a.split('=')[0] ?? a;
    const i = w.findIndex((x) => (x.replace(/"/g, '').split('=')[0] ?? '') === key);
    if (i >= 0) {
      w[i] = a;
      w = w.filter((x, j) => j <= i || (x.replace(/"/g, '').split('=')[0] ?? '') !== key);
    } else w.push(a);
  }
  return w.join(' ');
}

function mem(s: string): { v: number; rest: string } | null {
  const m = /^(\d+)([kmgtpe]?)/i.exec(s);
  if (!m) return null;
  const mult = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40, p: 2 ** 50, e: 2 ** 60 }[(m[2] ?? '').toLowerCase()] ?? 1;
  return { v: Number(m[1]) * mult, rest: s.slice(m[0].length) };
}
/** Objects cap from booting_max: null = no cap, 0 = KFENCE off (parse error, zero size, < 4 pages). */
function bootingMaxCap(spec: string, memBytes: number): number | null {
  let s = spec;
  for (;;) {
    const a = mem(s);
    if (!a || a.rest[0] !== '-') return 0;
    s = a.rest.slice(1);
    let end = Infinity;
    if (s[0] !== ':') {
      const b = mem(s);
      if (!b || b.v <= a.v) return 0;
      end = b.v;
      s = b.rest;
    }
    if (s[0] !== ':') return 0;
    const c = mem(s.slice(1));
    if (!c) return 0;
    s = c.rest;
    if (memBytes >= a.v && memBytes < end) {
      const pages = Math.floor(Math.min(c.v, 2 ** 30) / 4096);
      return pages < 4 ? 0 : Math.floor(pages / 2) - 1;
    }
    if (s[0] !== ',') return null;
    s = s.slice(1);
  }
}

function configDefault(f: HostFacts, key: string, dflt: number): number {
  const v = f.kfence.config[key];
  return v === undefined ? dflt : Number(v);
}

/** Reboot into the default grubby entry: the kernel parses the new command line. */
export function reboot(m0: ModelHost): ModelHost {
  const m = clone(m0);
  const f = m.f;
  const def = f.grubby.entries.find((e) => e.kernel === f.grubby.default_kernel);
  if (def) f.cmdline = `BOOT_IMAGE=${def.kernel} ${def.args}`;
  f.boot_id = createHash('md5').update(f.boot_id).digest('hex').replace(/^(.{8})(.{4})(.{4})(.{4})(.{12})$/, '$1-$2-$3-$4-$5');
  const line = f.cmdline;
  const tok = (k: string): string | undefined => lastArg(line, `kfence.${k}`);
  const num = (v: string | undefined): number | null => (v !== undefined && /^-?\d+$/.test(v) ? Number(v) : null);
  for (const s of Object.values(f.slabs)) if (s.control) s.value = s.control === 'kfence_enable' ? '1' : '0';
  if (isAlinux(f)) {
    let si = num(tok('sample_interval')) ?? configDefault(f, 'CONFIG_KFENCE_SAMPLE_INTERVAL', 0);
    let n = configDefault(f, 'CONFIG_KFENCE_NUM_OBJECTS', 255);
    const nt = num(tok('num_objects'));
    if (nt !== null && nt > 0 && (f.kernel.arch !== 'aarch64' || (nt + 1) * 2 * 4096 < 2 ** 30)) n = nt;
    const node = tok('pool_mode') === 'node';
    const o0 = tok('order0_page');
    const fault = tok('fault');
    let snap = 0;
    if (si !== 0) {
      if (n < PER_AREA) {
        if (node || si < 0) si = 0;
        else {
          const bm = tok('booting_max');
          const cap = bm === undefined ? null : bootingMaxCap(bm, f.memory.total_kb * 1024);
          if (cap === 0) {
            n = 0;
            si = 0;
          } else if (cap !== null && n > cap) n = cap;
          if (si !== 0) snap = n;
        }
      } else n = roundArea(n);
    }
    m.h = { enabled: si !== 0, stored: si, snap };
    setParam(f, 'num_objects', String(n));
    setParam(f, 'pool_mode', node ? 'node' : 'global');
    setParam(f, 'order0_page', o0 !== undefined && ['0', 'n', 'off'].includes(o0.toLowerCase()) ? '0' : '1');
    if (f.kfence.params.fault) setParam(f, 'fault', fault === 'panic' ? 'panic' : 'report');
    f.kfence.stats = { enabled: si !== 0, counters: {}, format: si !== 0 ? 'anolis' : 'empty' };
  } else {
    const t = num(tok('sample_interval'));
    const si = t !== null && t >= 0 ? t : configDefault(f, 'CONFIG_KFENCE_SAMPLE_INTERVAL', 0);
    m.h = { enabled: si > 0, stored: si, snap: 0 };
    // >= 6.12-like kernels create the kfence/ debugfs dir only once enabled.
    const lazyDebugfs = upstreamLate(f);
    f.kfence.stats = si > 0 ? { enabled: true, counters: {}, format: 'upstream' } : lazyDebugfs ? null : { enabled: false, counters: {}, format: 'upstream' };
  }
  showInterval(m);
  if (m.unitScript !== null) runUnit(m, m.unitScript);
  return m;
}

/** Interpret kfleet's boot unit script (its documented line grammar). */
export function runUnit(m: ModelHost, script: string): void {
  const c = /^C=(\S+)$/m.exec(script)?.[1];
  if (!c) throw new Error('unit script without C=');
  for (const line of script.split('\n')) {
    let r = /^all (\S+)$/.exec(line);
    if (r?.[1]) {
      for (const [n, s] of Object.entries(m.f.slabs)) if (s.control === c) sysfsWrite(m, `${S}${n}/${c}`, r[1]);
      continue;
    }
    r = /^one ('(?:[^']|'\\'')*'|\S+) (\S+)$/.exec(line);
    if (r?.[1] && r[2]) {
      const name = r[1].startsWith("'") ? r[1].slice(1, -1).replace(/'\\''/g, "'") : r[1];
      sysfsWrite(m, `${S}${name}/${c}`, r[2]);
    }
  }
}

export function modelFrom(f: HostFacts): ModelHost {
  const v = Number(f.kfence.params.sample_interval?.value ?? '0');
  const n = Number(f.kfence.params.num_objects?.value ?? '0');
  // A host that runs with a small pool got it at boot (upstream mode).
  return { f: clone(f), h: { enabled: v !== 0, stored: v, snap: v > 0 && n < PER_AREA ? n : 0 }, unitScript: null };
}

export interface ApplyResult {
  m: ModelHost;
  /** Writes whose read-back did not match, and kernel errors. */
  failures: string[];
}

/** Execute a plan like converge does: runtime steps with read-back, grubby, the unit. No reboot. */
export function applyPlan(m0: ModelHost, plan: HostPlan): ApplyResult {
  const m = clone(m0);
  const failures: string[] = [];
  if (plan.refused.length > 0) return { m, failures };
  for (const s of plan.runtime) {
    if (s.op === 'verify_enabled') {
      const st = m.f.kfence.stats;
      if (st === null ? !s.optional : st.enabled !== s.enabled) failures.push(`verify_enabled ${s.enabled}: stats ${JSON.stringify(st)}`);
      continue;
    }
    try {
      sysfsWrite(m, s.path, s.value);
    } catch (e) {
      failures.push(`${s.path} <- ${s.value}: ${(e as Error).message}`);
      break;
    }
    const got = sysfsRead(m, s.path);
    const e = s.expect;
    const ok = 'equals' in e ? got === e.equals : 'one_of' in e ? e.one_of.includes(got) : Number(got) >= e.int_at_least;
    if (!ok) {
      failures.push(`${s.path}: read back ${got}, expected ${JSON.stringify(e)}`);
      break;
    }
  }
  if (plan.boot) {
    // --update-kernel=ALL edits every entry.
    const targets = plan.boot.kernels.flatMap((k) => (k === 'ALL' ? m.f.grubby.entries.map((e) => e.kernel) : [k]));
    for (const k of targets) {
      const entry = m.f.grubby.entries.find((x) => x.kernel === k);
      if (!entry) {
        failures.push(`grubby: no entry ${k}`);
        continue;
      }
      entry.args = grubbyEdit(entry.args, plan.boot.add, plan.boot.remove);
      const want = plan.boot.entries.find((x) => x.kernel === k)?.after;
      if (want !== undefined && want !== entry.args) failures.push(`grubby ${k}: got "${entry.args}", plan said "${want}"`);
    }
  }
  if (plan.unit) {
    if (plan.unit.action === 'install') {
      m.unitScript = plan.unit.script;
      m.f.boot_unit = { installed: true, hash: createHash('sha256').update(plan.unit.script).digest('hex') };
    } else {
      m.unitScript = null;
      m.f.boot_unit = { installed: false, hash: null };
    }
  }
  return { m, failures };
}
