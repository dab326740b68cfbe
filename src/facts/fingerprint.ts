// factsFingerprint: sha256 over a host's facts minus what moves on its own between two probes
// (collection time, uptime, available memory, stats counters, slab object counts), so a saved plan
// is refused exactly when something the planner looked at changed.
//
// The stable form is rebuilt field by field in a fixed order (records with sorted keys), so the
// hash does not depend on the key order of the input, and JSON.stringify stays the only
// serializer (fast: this runs once per host per plan).

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

export function stableFacts(f: HostFacts): unknown {
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
    kfence: {
      present: f.kfence.present,
      params: sortedRecord(f.kfence.params, (p) => ({ value: p.value, mode: p.mode })),
      debugfs_mounted: f.kfence.debugfs_mounted,
      stats: f.kfence.stats === null ? null : { enabled: f.kfence.stats.enabled, format: f.kfence.stats.format },
      config: sortedRecord(f.kfence.config, (v) => v),
    },
    // Object counts change constantly; `num_objects: auto` reads them at plan time only.
    slabs: sortedRecord(f.slabs, (s) => ({ control: s.control, value: s.value, alias_of: s.alias_of ?? null })),
    boot_unit: { installed: f.boot_unit.installed, hash: f.boot_unit.hash },
    privileged: f.privileged,
  };
}

export function factsFingerprint(f: HostFacts): string {
  return createHash('sha256').update(JSON.stringify(stableFacts(f)), 'utf8').digest('hex');
}
