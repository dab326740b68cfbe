// factsFingerprint: sha256 over a host's facts minus what moves on its own between two probes
// (collection time, uptime, available memory, stats counters, slab object counts), so a saved plan
// is refused exactly when something the planner looked at changed.
//
// The stable form is rebuilt field by field in a fixed order (records with sorted keys), so the
// hash does not depend on the key order of the input. The hashed text is JSON.stringify of that
// form; its slabs part (most of a host's facts) is concatenated directly, with the same bytes,
// when nothing in it needs escaping (test/plan/fingerprint.test.ts checks the equality).

import { createHash } from 'node:crypto';
import type { HostFacts } from './types.js';

function sortedRecord<T, U>(r: Record<string, T>, map: (v: T) => U): Record<string, U> {
  const out: Record<string, U> = {};
  const keys = Object.keys(r);
  // The probe lists slabs and parameters in glob order (sorted in the C locale): check before sorting.
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  for (const k of sorted ? keys : keys.sort()) out[k] = map(r[k] as T);
  return out;
}

/** The stable fields before `slabs`, in order. */
function stableHead(f: HostFacts): Record<string, unknown> {
  return {
    schema: f.schema,
    host: f.host,
    kernel: { release: f.kernel.release, arch: f.kernel.arch, page_size: f.kernel.page_size },
    os: { id: f.os.id, version_id: f.os.version_id, pretty_name: f.os.pretty_name },
    memory: { total_kb: f.memory.total_kb },
    numa: { online: f.numa.online, possible: f.numa.possible },
    boot_id: f.boot_id,
    cmdline: f.cmdline,
    grubby: {
      available: f.grubby.available,
      default_kernel: f.grubby.default_kernel,
      entries: f.grubby.entries.map((e) => ({ index: e.index, kernel: e.kernel, args: e.args, title: e.title ?? null })),
    },
    // The bootloader's view decides the boot change (added only when probed: older fact files keep their fingerprint).
    ...(f.boot ? { boot: { mechanism: f.boot.mechanism, default_kernel: f.boot.default_kernel, entries: f.boot.entries.map((e) => ({ kernel: e.kernel, args: e.args, title: e.title ?? null })), grub: f.boot.grub ?? null, kernel_cmdline: f.boot.kernel_cmdline ?? null } } : {}),
    kfence: {
      present: f.kfence.present,
      params: sortedRecord(f.kfence.params, (p) => ({ value: p.value, mode: p.mode })),
      debugfs_mounted: f.kfence.debugfs_mounted,
      stats: f.kfence.stats === null ? null : { enabled: f.kfence.stats.enabled, format: f.kfence.stats.format },
      config: sortedRecord(f.kfence.config, (v) => v),
    },
  };
}

/** The stable fields after `slabs`, in order. */
function stableTail(f: HostFacts): Record<string, unknown> {
  return { boot_unit: { installed: f.boot_unit.installed, hash: f.boot_unit.hash }, privileged: f.privileged };
}

export function stableFacts(f: HostFacts): unknown {
  return {
    ...stableHead(f),
    // Object counts change constantly; `num_objects: auto` reads them at plan time only.
    slabs: sortedRecord(f.slabs, (s) => ({ control: s.control, value: s.value, alias_of: s.alias_of ?? null })),
    ...stableTail(f),
  };
}

/** Characters JSON.stringify would escape (quote, backslash, controls, lone surrogates). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/**
 * JSON.stringify(stableFacts(f).slabs), byte for byte, built by concatenation: the slabs are most
 * of a host's facts (~300 on a real host) and stringifying one small object per slab dominated
 * planning. When any name or value would need escaping, JSON.stringify does it instead.
 */
function slabsJson(slabs: HostFacts['slabs']): string {
  const keys = Object.keys(slabs);
  let sorted = true;
  for (let i = 1; i < keys.length && sorted; i++) sorted = (keys[i - 1] as string) < (keys[i] as string);
  if (!sorted) keys.sort();
  const q = (v: string | null | undefined): string => (v === null || v === undefined ? 'null' : `"${v}"`);
  let raw = '';
  let out = '{';
  for (const k of keys) {
    const s = slabs[k]!;
    raw += k + (s.control ?? '') + (s.value ?? '') + (s.alias_of ?? '');
    out += `${out.length > 1 ? ',' : ''}"${k}":{"control":${q(s.control)},"value":${q(s.value)},"alias_of":${q(s.alias_of)}}`;
  }
  if (NEEDS_ESCAPE.test(raw) || keys.some((k) => /^(0|[1-9]\d*)$/.test(k))) {
    // Escapes, or integer-like names (objects list those first): let JSON.stringify decide.
    return JSON.stringify(sortedRecord(slabs, (s) => ({ control: s.control, value: s.value, alias_of: s.alias_of ?? null })));
  }
  return out + '}';
}

/** The canonical text the fingerprint hashes: exactly JSON.stringify(stableFacts(f)). */
export function canonicalFacts(f: HostFacts): string {
  return `${JSON.stringify(stableHead(f)).slice(0, -1)},"slabs":${slabsJson(f.slabs)},${JSON.stringify(stableTail(f)).slice(1)}`;
}

export function factsFingerprint(f: HostFacts): string {
  return createHash('sha256').update(canonicalFacts(f), 'utf8').digest('hex');
}
