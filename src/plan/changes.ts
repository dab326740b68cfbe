// The knob-level summary of a plan (HostPlan.changes): before -> after and where it is made.

import type { HostFacts } from '../facts/types.js';
import type { KfenceSpec } from '../playbook/types.js';
import type { BootArgsChange, BootUnitChange, KnobChange } from './types.js';
import type { KfenceState } from '../kernel/live.js';
import type { RuntimePlan } from './runtime-steps.js';
import type { Target } from './target.js';
import { liveMonitored } from '../kernel/slabs.js';

export interface ChangeInput {
  spec: KfenceSpec;
  t: Target;
  live: KfenceState;
  f: HostFacts;
  rp: RuntimePlan | null;
  boot: BootArgsChange | null;
  unit: BootUnitChange | null;
  desired: Record<string, string | null>;
  configured: Record<string, string | null>;
}

function liveSlabs(f: HostFacts): string {
  const off = Object.entries(f.slabs).filter(([, s]) => s.alias_of === undefined && liveMonitored(s) === false).map(([n]) => n).sort();
  const on = Object.entries(f.slabs).filter(([, s]) => s.alias_of === undefined && liveMonitored(s) === true).map(([n]) => n).sort();
  if (off.length === 0) return 'all';
  if (on.length <= off.length) return `only ${on.join(',') || '(none)'}`;
  return `except ${off.join(',')}`;
}

export function describeChanges(c: ChangeInput): KnobChange[] {
  const out: KnobChange[] = [];
  const bootKeys = new Set<string>();
  if (c.boot) {
    for (const a of c.boot.add) bootKeys.add(a.split('=')[0] ?? a);
    for (const r of c.boot.remove) bootKeys.add(r);
  }
  const push = (knob: string, before: string | null, after: string | null, rt: boolean, bt: boolean): void => {
    if (!rt && !bt) return;
    out.push({ knob, before, after, where: rt && bt ? 'both' : rt ? 'runtime' : 'boot' });
  };
  const touched = c.rp?.touched ?? new Set<string>();
  const b = (v: boolean | null): string | null => (v === null ? null : v ? '1' : '0');
  const arg = (k: string): string | null => c.configured[`kfence.${k}`] ?? null;
  const bootAfter = (k: string): string | null => c.desired[`kfence.${k}`] ?? null;
  const rtAfter = (k: string, v: string | null): string | null => (touched.has(k) ? v : bootAfter(k));
  push('sample_interval', touched.has('sample_interval') ? String(c.live.interval ?? '?') : arg('sample_interval'), rtAfter('sample_interval', String(c.t.interval)), touched.has('sample_interval'), bootKeys.has('kfence.sample_interval'));
  push('num_objects', touched.has('num_objects') ? String(c.live.numObjects ?? '?') : arg('num_objects'), rtAfter('num_objects', c.t.numObjects === undefined ? null : String(c.t.numObjects)), touched.has('num_objects'), bootKeys.has('kfence.num_objects'));
  push('pool_mode', touched.has('pool_mode') ? c.live.poolMode : arg('pool_mode'), rtAfter('pool_mode', c.t.poolMode ?? null), touched.has('pool_mode'), bootKeys.has('kfence.pool_mode'));
  push('order0_page', touched.has('order0_page') ? b(c.live.order0) : arg('order0_page'), rtAfter('order0_page', c.t.order0 === undefined ? null : c.t.order0 ? '1' : '0'), touched.has('order0_page'), bootKeys.has('kfence.order0_page'));
  push('fault', touched.has('fault') ? c.live.fault : arg('fault'), rtAfter('fault', c.t.fault ?? null), touched.has('fault'), bootKeys.has('kfence.fault'));
  push('booting_max', arg('booting_max'), bootAfter('booting_max'), false, bootKeys.has('kfence.booting_max'));
  const sel = c.spec.slabs.kind === 'all' ? 'all' : `${c.spec.slabs.kind} ${c.spec.slabs.names.join(',')}`;
  push('slabs', liveSlabs(c.f), sel, touched.has('slabs'), c.unit !== null);
  return out;
}
