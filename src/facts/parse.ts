// Turns the probe's output (format in probe.ts) into HostFacts. Pure. Garbage, truncation or a
// missing required fact is a FACTS_MALFORMED error located at the host.
import { parseTrialFacts } from './reads/trial-facts.js';
import { KfleetError } from '../errors.js';
import { bootFactsFromProbe } from '../bootloader/facts.js';
import { FACTS_SCHEMA, type GrubbyEntry, type HostFacts, type ParamFact, type SlabFact, type StatsFact } from './types.js';

export class FactsError extends KfleetError {
  constructor(host: string, message: string) {
    super('FACTS_MALFORMED', `facts from ${host} are malformed: ${message}`, {
      location: { host },
      hint: 'the probe output was cut short or unexpected; run `kfleet status` on this host with --debug, and check that /bin/sh is a POSIX shell',
    });
    this.name = 'FactsError';
  }
}

/** A tool the probe needs is not installed on the host (a minimal or busybox system). */
export class ToolMissingError extends KfleetError {
  constructor(host: string, tool: string, what: string) {
    super('TOOL_MISSING', `${tool} is not installed on ${host}, and ${what} has no other source there`, {
      location: { host },
      hint: `install ${tool} on the host (${tool === 'getconf' ? 'glibc: libc-bin or glibc-common; musl: musl-utils' : 'coreutils, or busybox with the applet'}), or make it reachable in PATH for the SSH user`,
    });
    this.name = 'ToolMissingError';
  }
}

export interface ProbeRecords {
  /** key -> value; null when the file was unreadable. Multi-line values joined with \n. */
  values: Map<string, string | null>;
}

/** Split the probe output into records, checking its framing. */
export function readRecords(out: string, host: string): ProbeRecords {
  const lines = out.split('\n');
  if (lines[0]?.replace(/\r$/, '') !== '@@kfleet-probe 1') throw new FactsError(host, 'missing the probe header (not kfleet probe output)');
  const values = new Map<string, string | null>();
  let block: { key: string; lines: string[] } | null = null;
  let ended = false;
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i] as string;
    if (ended) {
      if (line.trim() !== '') throw new FactsError(host, `unexpected output after the end marker (line ${i + 1})`);
      continue;
    }
    if (block) {
      if (line === '@@end') {
        values.set(block.key, block.lines.join('\n'));
        block = null;
      } else if (line.startsWith('|')) block.lines.push(line.slice(1));
      else if (line !== '') throw new FactsError(host, `unprefixed line inside block ${block.key} (line ${i + 1})`);
      continue;
    }
    if (line === '') continue;
    if (line === '@@kfleet-probe-end') {
      ended = true;
      continue;
    }
    const f = line.split('\t');
    const tag = f[0];
    const key = f[1];
    if (!key) throw new FactsError(host, `unreadable record at line ${i + 1}: ${JSON.stringify(line.slice(0, 80))}`);
    if (tag === 'v') values.set(key, f.slice(2).join('\t'));
    else if (tag === 'u') values.set(key, null);
    else if (tag === '@@begin') block = { key, lines: [] };
    else throw new FactsError(host, `unknown record ${JSON.stringify(tag?.slice(0, 20))} at line ${i + 1}`);
  }
  if (block) throw new FactsError(host, `block ${block.key} is not terminated (output truncated)`);
  if (!ended) throw new FactsError(host, 'the end marker is missing (output truncated)');
  return { values };
}

/** `-rw-------` (ls -l) -> "0600". */
export function lsModeToOctal(s: string): string | null {
  const m = /^[-dlcbps]([r-])([w-])([xsS-])([r-])([w-])([xsS-])([r-])([w-])([xtT-])/.exec(s);
  if (!m) return null;
  const bit = (c: string | undefined, v: number): number => (c && c !== '-' && c !== 'S' && c !== 'T' ? v : 0);
  const digit = (a: number): number => bit(m[a], 4) + bit(m[a + 1], 2) + bit(m[a + 2], 1);
  return `0${digit(1)}${digit(4)}${digit(7)}`;
}

export function parseOsRelease(text: string): { id: string; version_id: string; pretty_name: string } {
  const kv = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    let v = m[2] as string;
    if (/^".*"$|^'.*'$/.test(v)) v = v.slice(1, -1).replace(/\\(["\\$`])/g, '$1');
    kv.set(m[1] as string, v);
  }
  return { id: kv.get('ID') ?? '', version_id: kv.get('VERSION_ID') ?? '', pretty_name: kv.get('PRETTY_NAME') ?? '' };
}

/** "0-1,3" -> [0,1,3] */
export function parseNodeList(s: string | null | undefined): number[] {
  if (!s) return [];
  const out: number[] = [];
  for (const part of s.trim().split(',')) {
    if (part === '') continue;
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return [];
    const a = Number(m[1]);
    const b = m[2] === undefined ? a : Number(m[2]);
    for (let i = a; i <= b && out.length < 4096; i++) out.push(i);
  }
  return out;
}

/** Upstream `name: N` or Anolis `%-30s:%20lld` counters followed by a node table. */
export function parseStats(text: string): StatsFact {
  const counters: Record<string, number> = {};
  let enabled: boolean | null = null;
  let format: StatsFact['format'] = 'empty';
  let anolis = false;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (/^node\t/.test(line) || /^node\s+object_size/.test(line)) {
      anolis = true;
      break; // the per-node pool table follows
    }
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim();
    const valText = line.slice(i + 1);
    const val = valText.trim();
    if (!/^-?\d+$/.test(val)) continue;
    if (name === 'enabled') {
      enabled = val !== '0';
      continue;
    }
    if (/\s{2,}$/.test(line.slice(0, i)) || /^\s{2,}/.test(valText)) anolis = true;
    counters[name] = Number(val);
  }
  if (Object.keys(counters).length > 0 || enabled !== null) format = anolis ? 'anolis' : 'upstream';
  return { enabled, counters, format };
}

/** grubby --info=ALL: blocks starting at index=N, values quoted or not. */
export function parseGrubbyInfo(text: string): GrubbyEntry[] {
  const out: GrubbyEntry[] = [];
  let cur: Partial<GrubbyEntry> | null = null;
  const flush = (): void => {
    if (cur && cur.index !== undefined && cur.kernel !== undefined) {
      const e: GrubbyEntry = { index: cur.index, kernel: cur.kernel, args: cur.args ?? '' };
      if (cur.title !== undefined) e.title = cur.title;
      out.push(e);
    }
  };
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)=(.*)$/.exec(line.trim());
    if (!m) continue;
    const k = m[1] as string;
    let v = (m[2] as string).trim();
    if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
    if (k === 'index') {
      flush();
      cur = /^\d+$/.test(v) ? { index: Number(v) } : null;
    } else if (cur) {
      if (k === 'kernel') cur.kernel = v;
      else if (k === 'args') cur.args = v;
      else if (k === 'title') cur.title = v;
    }
  }
  flush();
  return out;
}

function meminfoKb(text: string, key: string): number | undefined {
  const m = new RegExp(`^${key}:\\s+(\\d+)\\s*kB`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
}

export function parseProbeOutput(out: string, host: string, now: Date = new Date()): HostFacts {
  const { values } = readRecords(out, host);
  const need = (k: string, what: string, tool?: string): string => {
    const v = values.get(k);
    if (v === undefined || v === null || v.trim() === '') {
      if (tool && values.get(`missing/${tool}`) === '1') throw new ToolMissingError(host, tool, what);
      throw new FactsError(host, `${what} is ${v === null ? 'unreadable' : 'missing'}`);
    }
    return v.trim();
  };
  const release = need('uname-r', 'the kernel release (uname -r)', 'uname');
  const arch = need('uname-m', 'the architecture (uname -m)', 'uname');
  const kb = values.get('page-size-kb');
  const pageSize = values.has('page-size') || !kb ? Number(need('page-size', 'the page size (getconf PAGESIZE, or KernelPageSize in /proc/self/smaps)', 'getconf')) : Number(kb) * 1024;
  if (!Number.isInteger(pageSize) || pageSize <= 0) throw new FactsError(host, `bad page size ${JSON.stringify(values.get('page-size') ?? kb)}`);
  const meminfo = need('meminfo', '/proc/meminfo');
  const total = meminfoKb(meminfo, 'MemTotal');
  if (total === undefined) throw new FactsError(host, '/proc/meminfo has no MemTotal');
  const bootId = need('boot-id', 'the boot id');
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(bootId)) throw new FactsError(host, `boot id ${JSON.stringify(bootId.slice(0, 60))} is not a UUID`);
  const uptime = Number(need('uptime', '/proc/uptime').split(/\s+/)[0]);
  if (!Number.isFinite(uptime)) throw new FactsError(host, 'bad /proc/uptime');
  const cmdline = need('cmdline', '/proc/cmdline');

  const params: Record<string, ParamFact> = {};
  const slabs: Record<string, SlabFact> = {};
  const aliases: Array<[string, string]> = [];
  for (const [k, v] of values) {
    const slash = k.indexOf('/');
    if (slash < 0) continue;
    const kind = k.slice(0, slash);
    const name = k.slice(slash + 1);
    if (kind === 'param') {
      const modeKey = values.get(`param-mode/${name}`);
      const lsKey = values.get(`param-ls/${name}`);
      const mode = modeKey && /^[0-7]{1,4}$/.test(modeKey) ? modeKey.padStart(4, '0') : lsKey ? lsModeToOctal(lsKey) : null;
      params[name] = { value: v === null ? null : v.replace(/\n$/, ''), mode: mode ?? '0000' };
    } else if (kind === 'slab-ke' || kind === 'slab-sk' || kind === 'slab-obj' || kind === 'slab-size') {
      const s = (slabs[name] ??= { control: null, value: null, objects: null });
      if (kind === 'slab-size') {
        if (v !== null && /^\d+$/.test(v.trim())) s.object_size = Number(v.trim());
      } else if (kind === 'slab-obj') s.objects = v === null ? null : v.trim();
      else {
        s.control = kind === 'slab-ke' ? 'kfence_enable' : 'skip_kfence';
        s.value = v === null ? null : v.trim();
      }
    } else if (kind === 'slab-alias') aliases.push([name, (v ?? '').trim()]);
  }
  for (const [name, target] of aliases) {
    const t = slabs[target];
    slabs[name] = { control: t?.control ?? null, value: t?.value ?? null, objects: t?.objects ?? null, alias_of: target, ...(t?.object_size !== undefined ? { object_size: t.object_size } : {}) };
  }
  const statsText = values.get('stats');
  const stats = statsText === undefined || statsText === null ? null : parseStats(statsText);
  if (stats && stats.enabled === null && stats.format === 'empty' && statsText!.trim() !== '') {
    // KFENCE's stats always starts with `enabled: N`: this is something else (binary, a device, a lie).
    throw new FactsError(host, `/sys/kernel/debug/kfence/stats is not KFENCE's statistics (no "enabled:" line in ${statsText!.length} bytes)`);
  }
  const configText = values.get('config');
  const config: Record<string, string> = {};
  for (const line of (configText ?? '').split('\n')) {
    const m = /^(CONFIG_(?:KFENCE|KASAN)[A-Z0-9_]*|CONFIG_PGTABLE_LEVELS)=(.*)$/.exec(line.trim());
    if (m) config[m[1] as string] = (m[2] as string).replace(/^"(.*)"$/, '$1');
  }
  const grubbyDefault = values.get('grubby-default');
  const uid = values.get('uid');
  const grubby: HostFacts['grubby'] = {
    available: values.get('grubby') === '1',
    default_kernel: grubbyDefault ? grubbyDefault.trim() : null,
    entries: parseGrubbyInfo(values.get('grubby-info') ?? ''),
  };
  const facts: HostFacts = {
    schema: FACTS_SCHEMA,
    host,
    collected_at: now.toISOString(),
    kernel: { release, arch, page_size: pageSize },
    os: parseOsRelease(values.get('os-release') ?? ''),
    memory: { total_kb: total, available_kb: meminfoKb(meminfo, 'MemAvailable') ?? meminfoKb(meminfo, 'MemFree') ?? 0 },
    numa: { online: parseNodeList(values.get('node-online')), possible: parseNodeList(values.get('node-possible')) },
    boot_id: bootId.toLowerCase(),
    uptime_s: uptime,
    cmdline,
    grubby,
    boot: bootFactsFromProbe(values, grubby),
    ...(values.get('trial') ? { trial: parseTrialFacts(values.get('trial')!) } : {}),
    kfence: {
      present: values.get('kfence-module') === '1',
      params,
      debugfs_mounted: values.get('debugfs') === '1',
      stats,
      config,
    },
    slabs,
    boot_unit: { installed: values.get('boot-unit') === '1', hash: values.get('boot-hash')?.trim() || null },
    env: {
      container: values.get('container')?.trim() || values.get('container-file')?.trim() || null,
      sys_read_only: values.get('sys-ro') === '1',
      lockdown: /\[([a-z]+)\]/.exec(values.get('lockdown') ?? '')?.[1] ?? null,
    },
    privileged: uid !== undefined && uid !== null ? uid.trim() === '0' : values.get('user')?.trim() === 'root',
  };
  return facts;
}
