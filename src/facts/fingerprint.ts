// factsFingerprint: sha256 over a host's facts minus what moves on its own between two probes
// (collection time, uptime, available memory, stats counters, slab object counts), so a saved plan
// is refused exactly when something the planner looked at changed.

import { createHash } from 'node:crypto';
import type { HostFacts } from './types.js';

/** JSON with sorted keys (stable across property order). */
function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

export function stableFacts(f: HostFacts): unknown {
  const { collected_at: _c, uptime_s: _u, ...rest } = f;
  const slabs: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(f.slabs)) {
    // Object counts change constantly; `num_objects: auto` reads them at plan time only.
    const { objects: _o, ...keep } = s;
    slabs[name] = keep;
  }
  return {
    ...rest,
    memory: { total_kb: f.memory.total_kb },
    slabs,
    kfence: {
      ...f.kfence,
      stats: f.kfence.stats === null ? null : { enabled: f.kfence.stats.enabled, format: f.kfence.stats.format },
    },
  };
}

export function factsFingerprint(f: HostFacts): string {
  return createHash('sha256').update(canonical(stableFacts(f)), 'utf8').digest('hex');
}
