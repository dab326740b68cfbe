// kfence.booting_max (Anolis): the last occurrence on the command line, parsed like
// parse_crashkernel_mem(), first matching [start, end) range wins, compared against memblock size.

import { memparse } from './parse.js';

const PUD = 1n << 30n;

export interface BootingMaxResult {
  /** The capped num_objects; 0 means KFENCE is disabled at boot. */
  maxObjects: bigint;
  messages: string[];
}

/** The value of the last kfence.booting_max= on the command line, or undefined. */
export function lastBootingMax(cmdline: string): string | undefined {
  let found: string | undefined;
  for (const w of cmdline.split(/\s+/)) if (w.startsWith('kfence.booting_max=')) found = w.slice('kfence.booting_max='.length);
  return found;
}

export function parseBootingMax(spec: string, systemRam: bigint): { size: bigint | undefined } | { error: string } {
  let cur = spec;
  for (;;) {
    const start = memparse(cur);
    if (start.consumed === 0) return { error: 'Memory value expected' };
    cur = start.rest;
    if (cur[0] !== '-') return { error: "'-' expected" };
    cur = cur.slice(1);
    let end: bigint | undefined;
    if (cur[0] !== ':') {
      const e = memparse(cur);
      if (e.consumed === 0) return { error: 'Memory value expected' };
      cur = e.rest;
      if (e.value <= start.value) return { error: 'end <= start' };
      end = e.value;
    }
    if (cur[0] !== ':') return { error: "':' expected" };
    cur = cur.slice(1);
    const size = memparse(cur);
    if (size.consumed === 0) return { error: 'Memory value expected' };
    cur = size.rest;
    if (systemRam >= start.value && (end === undefined || systemRam < end)) return { size: size.value };
    if (cur[0] !== ',') return { size: undefined };
    cur = cur.slice(1);
  }
}

/** update_kfence_booting_max(): cap num_objects, or disable boot-time KFENCE (maxObjects 0). */
export function applyBootingMax(cmdline: string, memblockBytes: bigint, numObjects: bigint, pageSize: number): BootingMaxResult {
  const spec = lastBootingMax(cmdline);
  if (spec === undefined) return { maxObjects: numObjects, messages: [] };
  const r = parseBootingMax(spec, memblockBytes);
  if ('error' in r) return { maxObjects: 0n, messages: [`kfence.booting_max: ${r.error}`] };
  const parseMem = r.size ?? PUD;
  if (parseMem === 0n) return { maxObjects: 0n, messages: ['kfence.booting_max size resulted in zero bytes, disabled'] };
  const nrPages = (parseMem < PUD ? parseMem : PUD) / BigInt(pageSize);
  if (nrPages < 4n) return { maxObjects: 0n, messages: ['kfence.booting_max size resulted in zero bytes, disabled'] };
  const nrObjMax = nrPages / 2n - 1n;
  return { maxObjects: numObjects > nrObjMax ? nrObjMax : numObjects, messages: [] };
}
