// Cross-field rules: combinations that are wrong on every host, whatever its kernel (what a host
// can or cannot do is the planner's business). They read the raw play and only judge values that
// are themselves valid, so one mistake gives one message.
import { bootingMax } from './booting-max.js';
import type { Path } from './locate.js';
import { APPLY, MODES } from './schema.js';
import { oneOf } from './values.js';

export interface SemanticIssue {
  path: Path;
  /** Point at the key (true) or at the value (false). */
  atKey: boolean;
  message: string;
  hint: string;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const has = (o: Obj, k: string) => Object.prototype.hasOwnProperty.call(o, k);

function valid<T>(parse: (v: unknown) => { ok: boolean; value?: T }, v: unknown): T | undefined {
  const r = parse(v);
  return r.ok ? r.value : undefined;
}

/** Knobs that do nothing once KFENCE is off. */
const NOOP_WHEN_OFF = ['num_objects', 'pool_mode', 'order0_page', 'fault', 'slabs', 'memory_budget'] as const;

function kfenceRules(k: Obj, out: SemanticIssue[]): void {
  const p = (key: string): Path => ['kfence', key];
  const mode = valid(oneOf(MODES), k.mode);
  const apply = has(k, 'apply') ? valid(oneOf(APPLY), k.apply) : 'both';
  if (has(k, 'sample_interval') && (mode === 'off' || mode === 'full')) {
    out.push({
      path: p('sample_interval'),
      atKey: true,
      message: mode === 'off'
        ? 'kfence.sample_interval: mode off has no sampling interval (kfleet writes 0)'
        : 'kfence.sample_interval: mode full has no sampling interval (kfleet writes -1: every allocation is a candidate)',
      hint: 'remove sample_interval, or say mode: sampling',
    });
  }
  if (mode === 'off') {
    for (const key of NOOP_WHEN_OFF) {
      if (has(k, key)) {
        out.push({ path: p(key), atKey: true, message: `kfence.${key} does nothing with mode: off`, hint: `remove ${key}; mode off only turns KFENCE off` });
      }
    }
  }
  const fault = valid(oneOf(['report', 'panic'] as const), k.fault);
  if (fault === 'panic' && mode !== 'off' && k.acknowledge_panic !== true) {
    const given = has(k, 'acknowledge_panic');
    if (!given || k.acknowledge_panic === false) {
      out.push({
        path: p(given ? 'acknowledge_panic' : 'fault'),
        atKey: false,
        message: 'kfence.fault: panic crashes the host on its first KFENCE finding',
        hint: 'on production hosts that is an outage per memory bug found; for offline debugging with kdump, add acknowledge_panic: true under kfence',
      });
    }
  }
  if (has(k, 'booting_max') && bootingMax(k.booting_max).ok) {
    if (apply === 'runtime') {
      out.push({
        path: p('booting_max'),
        atKey: true,
        message: 'kfence.booting_max is read only at boot, and apply: runtime never changes the kernel command line',
        hint: 'use apply: boot or apply: both, or remove booting_max',
      });
    } else if (k.booting_max !== null) {
      const pool = valid(oneOf(['global', 'node'] as const), k.pool_mode);
      if (mode === 'full' || pool === 'node') {
        out.push({
          path: p('booting_max'),
          atKey: true,
          message: `kfence.booting_max does nothing with ${mode === 'full' ? 'mode: full' : 'pool_mode: node'}: the kernel only caps a sampling, global boot-time pool`,
          hint: 'remove booting_max (size the pool with num_objects and memory_budget instead)',
        });
      }
    }
  }
  if (isObj(k.slabs)) slabRules(k.slabs, out);
}

function slabRules(s: Obj, out: SemanticIssue[]): void {
  if (has(s, 'only') && has(s, 'except')) {
    out.push({ path: ['kfence', 'slabs', 'except'], atKey: true, message: 'kfence.slabs: give only or except, not both', hint: 'only: [...] monitors just those caches; except: [...] monitors all others' });
  } else if (!has(s, 'only') && !has(s, 'except')) {
    out.push({ path: ['kfence', 'slabs'], atKey: true, message: 'kfence.slabs: an empty selection', hint: 'write {only: [kmalloc-64]} or {except: [...]}; omit slabs to monitor all caches' });
  }
  for (const key of ['only', 'except']) {
    const list = s[key];
    if (!Array.isArray(list)) continue;
    const seen = new Set<unknown>();
    list.forEach((name, i) => {
      if (typeof name === 'string' && seen.has(name)) {
        out.push({ path: ['kfence', 'slabs', key, i], atKey: false, message: `kfence.slabs.${key}: ${name} is listed twice`, hint: 'list each cache once' });
      }
      seen.add(name);
    });
  }
}

/** Cross-field problems in one raw play (a mapping already known to be an object). */
export function semanticIssues(play: Obj): SemanticIssue[] {
  const out: SemanticIssue[] = [];
  if (isObj(play.kfence)) kfenceRules(play.kfence, out);
  if (has(play, 'health') && isObj(play.rollout) && has(play.rollout, 'health')) {
    out.push({
      path: ['health'],
      atKey: true,
      message: 'health is given twice: at the top of the play and under rollout',
      hint: 'keep one; a top-level health is shorthand for rollout.health',
    });
  }
  return out;
}
