// Ordered live writes, following the kernel's write-order rules (kfence-interface.md §5):
//  1. disable (sample_interval=0) before num_objects/pool_mode, before a sign flip, or to turn off;
//  2. order0_page, fault and per-slab controls (any time; all others off before the selected on);
//  3. num_objects and pool_mode, only while disabled;
//  4. the non-zero interval last, then verify that stats says enabled.
// What the running kernel cannot do is returned as `impossible` instead of a step.

import type { HostFacts } from '../facts/types.js';
import type { RuntimeStep } from './types.js';
import type { Capabilities } from '../kernel/capabilities.js';
import { objectsPerArea, paramPath, slabControlPath } from '../kernel/constants.js';
import { alinuxPool, formatBytes, isUpstreamMode, smallPool, totalBytes, type PoolEstimate } from '../kernel/memory.js';
import { numObjectsMatch, type KfenceState } from '../kernel/live.js';
import { controlValue, liveMonitored, namesOf } from '../kernel/slabs.js';

export interface RuntimeTarget {
  interval: number;
  numObjects?: number | undefined;
  poolMode?: 'global' | 'node' | undefined;
  order0?: boolean | undefined;
  fault?: 'report' | 'panic' | undefined;
  /** Real cache -> monitored; null = leave the per-slab controls alone. */
  slabs: Map<string, boolean> | null;
}

export interface Impossible {
  knob: string;
  message: string;
}

export interface RuntimePlan {
  steps: RuntimeStep[];
  impossible: Impossible[];
  /** Knobs the steps change. */
  touched: Set<string>;
  /** Pool a runtime enable in these steps allocates, or null. */
  enablePool: PoolEstimate | null;
  warnings: string[];
}

const write = (path: string, value: string, knob: string, why: string): RuntimeStep => ({ op: 'write', path, value, expect: { equals: value }, knob, why });

export function planRuntime(rt0: RuntimeTarget, live: KfenceState, f: HostFacts, caps: Capabilities): RuntimePlan {
  const steps: RuntimeStep[] = [];
  const impossible: Impossible[] = [];
  const touched = new Set<string>();
  const warnings: string[] = [];
  const alinux = caps.flavor === 'alinux';
  const cur = live.interval;
  const si = rt0.interval;
  let rt = rt0;
  // Full mode and node pools need whole areas. A runtime enable rounds num_objects up itself,
  // except while the boot-time upstream-mode snapshot is reused: then a negative interval fails
  // silently. Write the area size explicitly instead of relying on the rounding.
  if (alinux && si !== 0) {
    const per = objectsPerArea(caps.pageSize, caps.pudSize);
    const n = rt.numObjects ?? live.numObjects ?? caps.defaultNumObjects;
    if ((si < 0 || (rt.poolMode ?? live.poolMode) === 'node') && n < per) rt = { ...rt, numObjects: per };
  }

  const wholeAreas = (rt.poolMode ?? live.poolMode) === 'node' || si < 0;
  const needN = alinux && rt.numObjects !== undefined && !numObjectsMatch(live.numObjects, rt.numObjects, caps.pageSize, caps.nodes, wholeAreas, caps.pudSize);
  const needPm = alinux && rt.poolMode !== undefined && rt.poolMode !== live.poolMode;
  const poolChange = needN || needPm;
  const flip = cur !== null && ((cur > 0 && si < 0) || (cur < 0 && si > 0));
  const enabledNow = cur === null ? null : cur !== 0;
  // Disable first when the pool must change while enabled, for a sign flip, or to turn off.
  const needDisable = enabledNow !== false && (si === 0 ? cur !== 0 : poolChange || flip);
  const needEnable = si !== 0 && (enabledNow !== true || needDisable);
  const intervalChange = si !== cur || needDisable;

  let enablePool: PoolEstimate | null = null;
  let poolGroupOk = true;
  if (needEnable) {
    if (alinux) {
      const n = rt.numObjects ?? live.numObjects ?? caps.defaultNumObjects;
      const pm = rt.poolMode ?? live.poolMode ?? 'global';
      const pool = alinuxPool(n, si, pm, caps.nodes, caps.pageSize, false, caps.pudSize);
      if (isUpstreamMode(n, si, pm, caps.pageSize, caps.pudSize)) {
        poolGroupOk = false;
        const small = smallPool(n, caps.pageSize);
        impossible.push({ knob: 'sample_interval', message: `a ${formatBytes(small.pool)} pool (num_objects ${n}) can only be created at boot; enabling KFENCE now would allocate whole ${formatBytes(caps.pudSize)} areas (${formatBytes(totalBytes(pool))} with metadata)` });
      } else enablePool = pool;
    } else if (!caps.runtimeEnable) {
      poolGroupOk = false;
      impossible.push({ knob: 'sample_interval', message: `this kernel (${f.kernel.release}, before 5.18) cannot enable KFENCE at runtime once it is off (EINVAL)` });
    } else if (f.kfence.stats === null) {
      enablePool = smallPool(caps.defaultNumObjects, caps.pageSize);
    }
  }
  if (!caps.writable.has('sample_interval') && intervalChange) {
    poolGroupOk = false;
    impossible.push({ knob: 'sample_interval', message: 'sample_interval is not writable on this host' });
  }

  if (poolGroupOk && needDisable && si !== 0) {
    steps.push(write(paramPath('sample_interval'), '0', 'sample_interval', flip ? 'go through 0: the interval cannot change sign directly' : 'disable KFENCE first: num_objects and pool_mode can only change while it is off'));
  }
  if (poolGroupOk && needDisable && si === 0) {
    steps.push(write(paramPath('sample_interval'), '0', 'sample_interval', 'turn KFENCE off'));
    touched.add('sample_interval');
    if (!caps.runtimeEnable) warnings.push('this kernel cannot re-enable KFENCE at runtime once it is off; only a reboot with kfence.sample_interval will');
  }

  const knob = (name: 'order0_page' | 'fault', want: string | undefined, have: string | null): void => {
    if (want === undefined || want === have) return;
    if (!caps.writable.has(name)) {
      impossible.push({ knob: name, message: `${name} is not writable on this host` });
      return;
    }
    steps.push(write(paramPath(name), want, name, `set ${name} (writable at any time)`));
    touched.add(name);
  };
  if (alinux) {
    knob('order0_page', rt.order0 === undefined ? undefined : rt.order0 ? '1' : '0', live.order0 === null ? null : live.order0 ? '1' : '0');
    knob('fault', rt.fault, live.fault);
  }

  if (rt.slabs && caps.slabControl) {
    const offs: RuntimeStep[] = [];
    const ons: RuntimeStep[] = [];
    for (const [real, want] of rt.slabs) {
      const s = f.slabs[real];
      if (!s?.control) continue;
      if (liveMonitored(s) === want) continue;
      const names = namesOf(f.slabs, real).filter((n) => n !== real);
      const why = `${want ? 'monitor' : 'stop monitoring'} ${real}${names.length ? ` (merged: ${names.join(', ')})` : ''}`;
      (want ? ons : offs).push(write(slabControlPath(real, s.control), controlValue(s.control, want), 'slabs', why));
    }
    steps.push(...offs, ...ons);
    if (offs.length + ons.length > 0) touched.add('slabs');
  }

  if (poolGroupOk) {
    if (needN && rt.numObjects !== undefined) {
      steps.push(write(paramPath('num_objects'), String(rt.numObjects), 'num_objects', 'pool size (stored now, allocated at the next enable)'));
      touched.add('num_objects');
    }
    if (needPm && rt.poolMode !== undefined) {
      steps.push(write(paramPath('pool_mode'), rt.poolMode, 'pool_mode', 'pool placement (only while disabled)'));
      touched.add('pool_mode');
    }
    if (si !== 0 && intervalChange) {
      steps.push(write(paramPath('sample_interval'), String(si), 'sample_interval', needEnable ? 'enable KFENCE last; read back: a failed enable reads 0' : 'change the sampling interval'));
      touched.add('sample_interval');
    }
    if (needEnable) steps.push({ op: 'verify_enabled', enabled: true, optional: !f.kfence.debugfs_mounted, knob: 'sample_interval', why: 'stats must say enabled: 1' });
    else if (si === 0 && needDisable) steps.push({ op: 'verify_enabled', enabled: false, optional: true, knob: 'sample_interval', why: 'stats must say enabled: 0' });
  }
  return { steps, impossible, touched, enablePool, warnings };
}
