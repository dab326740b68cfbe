// The witness's rules for one host: what kfleet's word about the host implies, checked against the
// lab host's own testimony. The desired state is read from the playbook's kfence section the way the
// Alinux guide and kfence-interface.md define each key (mode off = sample_interval 0, full = a
// negative interval, slabs only/except = the caches' switches), independently of src/kernel and src/plan.
import type { AuditEntry, HostWitness } from '../../src/lab/index.js';

export interface Claim {
  host: string;
  /** Final status kfleet gave (host.result event or recap); null when it gave none. */
  status: string | null;
  check: boolean;
  steps: Array<{ path: string; value: string; ok: boolean; readback?: string | null }>;
  bootArgs: Array<{ add: string[]; remove: string[]; ok: boolean }>;
  /** host.reboot stages reported. */
  reboots: string[];
  journalRebooted: boolean | null;
  pendingFlag: boolean;
}

export interface Testimony {
  before: HostWitness;
  now: HostWitness;
  /** Audit entries since the mark. */
  audit: AuditEntry[];
  revertedTo: HostWitness;
  kfence?: Record<string, unknown> | undefined;
  tampered: boolean;
}

/** Managed command-line tokens (kfence.*, kfleet.*), last occurrence wins, as the kernel reads them. */
export function managed(line: string): Map<string, string | null> {
  const m = new Map<string, string | null>();
  for (const w of line.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []) {
    const t = w.replace(/"/g, '');
    const eq = t.indexOf('=');
    const k = eq < 0 ? t : t.slice(0, eq);
    if (k.startsWith('kfence.') || k.startsWith('kfleet.')) m.set(k, eq < 0 ? null : t.slice(eq + 1));
  }
  return m;
}

const show = (m: Map<string, string | null>): string => [...m].map(([k, v]) => (v === null ? k : `${k}=${v}`)).join(' ') || '(none)';
const sameMap = (a: Map<string, string | null>, b: Map<string, string | null>): boolean => a.size === b.size && [...a].every(([k, v]) => b.has(k) && b.get(k) === v);
const bool = (v: string | undefined): boolean | null => (v === undefined ? null : ['1', 'y', 'Y', 'on'].includes(v) ? true : ['0', 'n', 'N', 'off'].includes(v) ? false : null);
const monitored = (s: { control: string; value: string } | undefined): boolean | null => (!s ? null : s.control === 'kfence_enable' ? s.value === '1' : s.value === '0');
const defaultEntry = (w: HostWitness) => w.entries.find((e) => e.isDefault);

/** What the play asks for, in sysfs terms. */
interface Desire {
  interval: number;
  full: boolean;
  apply: 'runtime' | 'boot' | 'both';
  fault?: string;
  poolMode?: string;
  order0?: boolean;
  numObjects?: number;
  slabs?: { kind: 'only' | 'except'; names: string[] };
  bootingMax?: string | null;
}

function desire(k: Record<string, unknown>): Desire {
  const mode = String(k.mode ?? 'sampling');
  const interval = mode === 'off' ? 0 : mode === 'full' ? -1 : Number(k.sample_interval ?? 100);
  const d: Desire = { interval, full: mode === 'full', apply: (k.apply as Desire['apply']) ?? 'both' };
  if (typeof k.fault === 'string') d.fault = k.fault;
  if (typeof k.pool_mode === 'string') d.poolMode = k.pool_mode;
  if (typeof k.order0_page === 'boolean') d.order0 = k.order0_page;
  if (typeof k.num_objects === 'number') d.numObjects = k.num_objects;
  const s = k.slabs as Record<string, unknown> | undefined;
  if (s && Array.isArray(s.only)) d.slabs = { kind: 'only', names: s.only.map(String) };
  if (s && Array.isArray(s.except)) d.slabs = { kind: 'except', names: s.except.map(String) };
  if (k.booting_max !== undefined) d.bootingMax = k.booting_max === null ? null : String(k.booting_max);
  return d;
}

/** Where the live state differs from the play. */
function liveGaps(d: Desire, w: HostWitness): string[] {
  const g: string[] = [];
  const p = w.params;
  if (p.sample_interval === undefined) return d.interval === 0 ? [] : ['KFENCE is not in this kernel'];
  const si = Number(p.sample_interval);
  if (d.full ? !(si < 0) : si !== d.interval) g.push(`sample_interval is ${p.sample_interval}, the play asks ${d.full ? 'a negative one (full mode)' : d.interval}`);
  if (d.interval === 0) return g;
  if (d.fault !== undefined && p.fault !== undefined && p.fault !== d.fault) g.push(`fault is ${p.fault}, the play asks ${d.fault}`);
  if (d.poolMode !== undefined && p.pool_mode !== undefined && p.pool_mode !== d.poolMode) g.push(`pool_mode is ${p.pool_mode}, the play asks ${d.poolMode}`);
  if (d.order0 !== undefined && p.order0_page !== undefined && bool(p.order0_page) !== d.order0) g.push(`order0_page is ${p.order0_page}, the play asks ${d.order0}`);
  if (d.numObjects !== undefined && p.num_objects !== undefined && !(Number(p.num_objects) >= d.numObjects)) g.push(`num_objects is ${p.num_objects}, the play asks ${d.numObjects}`);
  if (d.slabs) {
    const real = (n: string): string => w.aliases[n] ?? n;
    const named = new Set(d.slabs.names.map(real));
    const wrong = Object.entries(w.slabs).filter(([n, s]) => monitored(s) !== (named.has(n) === (d.slabs!.kind === 'only'))).map(([n]) => n);
    if (wrong.length) g.push(`per-slab selection differs from slabs.${d.slabs.kind} on ${wrong.length} cache(s): ${wrong.slice(0, 4).join(', ')}`);
  }
  return g;
}

/** Where the default boot entry's kfence tokens contradict the play (a token the play leaves to the kernel default is not judged). */
function bootGaps(d: Desire, w: HostWitness): string[] {
  const e = defaultEntry(w);
  // (A host whose bootloader the lab does not model as BLS entries: its configured args are not judged here.)
  if (!e) return [];
  const t = managed(e.args);
  const g: string[] = [];
  const si = t.get('kfence.sample_interval');
  if (si !== undefined && (d.full ? !(Number(si) < 0) : Number(si) !== d.interval)) g.push(`the default entry has kfence.sample_interval=${si}, the play asks ${d.full ? 'full mode' : d.interval}`);
  if (d.interval !== 0) {
    for (const [key, want] of [['fault', d.fault], ['pool_mode', d.poolMode], ['num_objects', d.numObjects === undefined ? undefined : String(d.numObjects)]] as const) {
      const have = t.get(`kfence.${key}`);
      if (want !== undefined && have !== undefined && have !== want) g.push(`the default entry has kfence.${key}=${have}, the play asks ${want}`);
    }
  }
  if (d.bootingMax === null && t.has('kfence.booting_max')) g.push(`the default entry keeps kfence.booting_max, the play asks none`);
  if (typeof d.bootingMax === 'string' && t.get('kfence.booting_max') !== d.bootingMax) g.push(`the default entry has kfence.booting_max=${t.get('kfence.booting_max') ?? '(none)'}, the play asks ${d.bootingMax}`);
  return g;
}

/** Where the host is not back to the recorded state. */
export function revertGaps(was: HostWitness, now: HostWitness): string[] {
  const g: string[] = [];
  for (const k of new Set([...Object.keys(was.params), ...Object.keys(now.params)])) if (was.params[k] !== now.params[k]) g.push(`${k} is ${now.params[k] ?? '(absent)'}, was ${was.params[k] ?? '(absent)'}`);
  const slabs = Object.keys(was.slabs).filter((n) => monitored(was.slabs[n]) !== monitored(now.slabs[n]));
  if (slabs.length) g.push(`per-slab switches differ on ${slabs.length} cache(s): ${slabs.slice(0, 4).join(', ')}`);
  if (!sameMap(managed(was.cmdline), managed(now.cmdline))) g.push(`booted with ${show(managed(now.cmdline))}, was ${show(managed(was.cmdline))}`);
  for (const e of was.entries) {
    const n = now.entries.find((x) => x.version === e.version);
    if (n && !sameMap(managed(e.args), managed(n.args))) g.push(`boot entry ${e.version} has ${show(managed(n.args))}, was ${show(managed(e.args))}`);
  }
  const units = (w: HostWitness) => Object.keys(w.units).sort().join(',');
  if (units(was) !== units(now)) g.push(`enabled units are [${units(now)}], were [${units(was)}]`);
  return g;
}

export function checkHost(c: Claim, t: Testimony): string[] {
  const out: string[] = [];
  const say = (m: string) => out.push(`${c.host} (kfleet: ${c.status ?? 'no word'}): ${m}`);
  const writes = t.audit.filter((a): a is Extract<AuditEntry, { kind: 'write' }> => a.kind === 'write');
  const okWrites = writes.filter((w) => w.ok && !w.path.startsWith('/run/'));
  const boots = t.audit.filter((a): a is Extract<AuditEntry, { kind: 'boot' }> => a.kind === 'boot');
  const reportedReboot = c.reboots.some((s) => s === 'up' || s === 'verified' || s === 'fire') || c.journalRebooted === true || c.status === 'rebooted';

  if (c.check) {
    if (okWrites.length && !t.tampered) say(`--check, yet the lab saw writes: ${okWrites.slice(0, 3).map((w) => `${w.path}=${w.value.trim()}`).join(', ')}`);
    if (boots.length && !t.tampered) say(`--check, yet the host rebooted ${boots.length} time(s)`);
    return out;
  }
  // Every write kfleet says it made and read back is in the host's audit trail.
  // (A step on debugfs `stats` is a read: the enable check, not a write.)
  for (const s of c.steps.filter((x) => x.ok && !x.path.endsWith('/kfence/stats'))) {
    if (!writes.some((w) => w.ok && w.path === s.path && w.value.trim() === s.value.trim())) say(`reported writing ${s.value} to ${s.path}, the audit trail has no such write`);
  }
  if (!t.tampered) {
    if (boots.length > 0 && !reportedReboot && c.status !== 'failed' && c.status !== 'unreachable') say(`the host booted ${boots.length} time(s) (${boots.map((b) => b.reason).join(', ')}) and kfleet reported no reboot`);
    if (c.status === 'rebooted' && !boots.some((b) => b.reason === 'reboot')) say('reported rebooted, the host has no reboot in its boot records');
    if ((c.status === 'refused' || c.status === 'skipped' || c.status === null) && okWrites.length) say(`reported ${c.status ?? 'nothing'}, yet the lab saw writes: ${okWrites.slice(0, 3).map((w) => `${w.path}=${w.value.trim()}`).join(', ')}`);
    if (c.status === 'ok' && c.steps.length === 0 && c.bootArgs.length === 0 && okWrites.length) say(`reported ok with nothing to do, yet the lab saw writes: ${okWrites.slice(0, 3).map((w) => `${w.path}=${w.value.trim()}`).join(', ')}`);
  }
  if (t.now.state !== 'up') {
    if (c.status && ['ok', 'changed', 'rebooted', 'reverted'].includes(c.status)) say(`the host is ${t.now.state}`);
    return out;
  }
  if (c.status === 'reverted') {
    for (const g of revertGaps(t.revertedTo, t.now)) say(`not back to the recorded state: ${g}`);
    return out;
  }
  if (!t.kfence || !c.status) return out;
  const d = desire(t.kfence);
  const live = d.apply === 'boot' && !boots.some((b) => b.reason === 'reboot') ? [] : liveGaps(d, t.now);
  const boot = d.apply === 'runtime' ? [] : bootGaps(d, t.now);
  if (['ok', 'changed', 'rebooted'].includes(c.status)) {
    for (const g of live) say(`live: ${g}`);
    for (const g of boot) say(`boot: ${g}`);
  }
  if (c.status === 'pending_reboot') {
    const entry = defaultEntry(t.now);
    const argsPending = entry === undefined || !sameMap(managed(entry.args), managed(t.now.cmdline));
    if (!argsPending && liveGaps(d, t.now).length === 0) say('reported pending a reboot, yet the host runs the play and boots what it runs');
    for (const g of boot) say(`boot: ${g}`);
  }
  return out;
}
