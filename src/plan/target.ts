// The spec resolved against one host's capabilities: what each knob should become, plus the
// refusals (KNOB_UNSUPPORTED, SLAB_UNKNOWN, KERNEL_TOO_OLD, ...) and warnings that follow from the
// kernel alone. `undefined` keeps the spec's "leave as is".

import type { HostFacts } from '../facts/types.js';
import type { KfenceSpec } from '../playbook/types.js';
import type { Refusal } from './types.js';
import type { Capabilities } from '../kernel/capabilities.js';
import { GATES } from '../kernel/capabilities.js';
import { atLeast } from '../kernel/release.js';
import { objectsPerArea } from '../kernel/constants.js';
import { parseBootingMax } from '../kernel/booting-max.js';
import { formatBytes } from '../kernel/memory.js';
import { autoNumObjects, resolveSelection, unknownSlabs, type ResolvedSelection } from '../kernel/slabs.js';

export interface Target {
  interval: number;
  /** num_objects to set (auto resolved, raised for full/node mode); undefined = leave. */
  numObjects: number | undefined;
  poolMode: 'global' | 'node' | undefined;
  order0: boolean | undefined;
  fault: 'report' | 'panic' | undefined;
  /** Desired per-slab state; null when the selection is "all" and the kernel has no control. */
  slabs: ResolvedSelection | null;
  /** True when the selection differs from the kernel's boot default (every cache monitored). */
  slabsNonDefault: boolean;
  bootingMax: string | null | undefined;
}

export interface TargetResult {
  target: Target;
  refused: Refusal[];
  warnings: string[];
}

/** The current value num_objects/pool_mode would keep when the spec leaves them ("leave as is"). */
export interface TargetBase {
  numObjects: number | null;
  poolMode: 'global' | 'node' | null;
  order0: boolean | null;
}

const unsupported = (message: string, hint: string): Refusal => ({ code: 'KNOB_UNSUPPORTED', message, hint });

export function resolveTarget(spec: KfenceSpec, f: HostFacts, caps: Capabilities, base: TargetBase): TargetResult {
  const refused: Refusal[] = [];
  const warnings: string[] = [];
  const interval = spec.mode === 'off' ? 0 : spec.mode === 'full' ? (spec.sample_interval < 0 ? spec.sample_interval : -1) : spec.sample_interval;

  if (caps.tooOld) refused.push({ code: 'KERNEL_TOO_OLD', message: caps.tooOld, hint: 'upgrade the kernel (x86 >= 5.10.84-10, Arm >= 5.10.134-16) or leave this host out of the play' });

  if (caps.flavor === 'upstream') {
    const hint = 'this knob is an Alibaba Cloud Linux extension; remove it from the play for upstream kernels (or target Alinux hosts only)';
    if (spec.mode === 'full') refused.push(unsupported('full mode (a negative sample_interval) is Alinux-only; upstream kernels reject it with EINVAL', 'use mode: sampling on upstream kernels'));
    if (spec.num_objects !== undefined) refused.push(unsupported(`num_objects is Alinux-only; the upstream pool is fixed at build time (CONFIG_KFENCE_NUM_OBJECTS=${caps.defaultNumObjects})`, hint));
    if (spec.pool_mode !== undefined) refused.push(unsupported('pool_mode is Alinux-only', hint));
    if (spec.order0_page !== undefined) refused.push(unsupported('order0_page is Alinux-only', hint));
    if (spec.fault !== undefined) refused.push(unsupported('fault is Alinux-only (upstream uses panic_on_warn)', hint));
    if (typeof spec.booting_max === 'string') refused.push(unsupported('booting_max is Alinux-only', hint));
  } else if (caps.flavor === 'alinux') {
    if (spec.num_objects !== undefined && !caps.params.has('num_objects')) refused.push(unsupported('this kernel has no num_objects parameter', 'an older Alinux kernel (num_objects_pernode); upgrade the kernel'));
    if (spec.pool_mode !== undefined && !caps.params.has('pool_mode')) refused.push(unsupported('this kernel has no pool_mode parameter', 'upgrade the kernel'));
    if (spec.order0_page !== undefined && !caps.params.has('order0_page')) refused.push(unsupported('this kernel has no order0_page parameter', 'upgrade the kernel'));
    if (typeof spec.booting_max === 'string' && (!caps.release || !atLeast(caps.release, GATES.bootingMax))) {
      refused.push(unsupported(`kfence.booting_max arrived with kernel ${GATES.bootingMax} (the Alinux guide); ${f.kernel.release} does not know it and would boot with no cap on the pool`, `upgrade these hosts to ${GATES.bootingMax} or later, or leave booting_max out of the play for them (booting_max: null removes it)`));
    }
    if (spec.fault !== undefined && !caps.fault) refused.push(unsupported(`fault needs kernel ${GATES.fault} or later (no fault parameter on ${f.kernel.release})`, 'remove fault from the play for these hosts, or upgrade the kernel'));
  }

  if (typeof spec.booting_max === 'string') {
    const p = parseBootingMax(spec.booting_max);
    if (!p.ok) refused.push({ code: 'BOOTING_MAX_INVALID', message: `booting_max "${spec.booting_max}": ${p.error}; the kernel would disable KFENCE at boot`, hint: 'write it as <start>-[<end>]:<size>[,...], e.g. 0-2G:0,2G-32G:2M,32G-:32M' });
  }

  const unknown = unknownSlabs(f.slabs, spec.slabs);
  if (unknown.length > 0) refused.push({ code: 'SLAB_UNKNOWN', message: `no such slab cache on this host: ${unknown.join(', ')}`, hint: 'check /sys/kernel/slab on the host; cache names differ between kernels' });
  let slabs: ResolvedSelection | null = null;
  let slabsNonDefault = false;
  if (spec.slabs.kind !== 'all' && caps.slabControl === null) {
    refused.push(unsupported('this kernel has no per-slab KFENCE control', 'per-slab selection needs kfence_enable (Alinux 5.10) or skip_kfence (upstream >= 6.1); use slabs: all'));
  } else if (caps.slabControl !== null) {
    slabs = resolveSelection(f.slabs, spec.slabs);
    warnings.push(...slabs.warnings);
    slabsNonDefault = [...slabs.monitored.values()].some((m) => !m);
  }

  let numObjects: number | undefined;
  let poolMode = spec.pool_mode;
  if (caps.flavor === 'alinux') {
    const perArea = objectsPerArea(caps.pageSize, caps.pudSize);
    if (spec.num_objects === 'auto') {
      const auto = autoNumObjects(f.slabs, spec.slabs);
      // Keep a current pool that is already large enough: the object counts move all the time.
      numObjects = base.numObjects !== null && base.numObjects >= auto ? base.numObjects : auto;
    } else numObjects = spec.num_objects;
    const effMode = poolMode ?? base.poolMode ?? 'global';
    const effN = numObjects ?? base.numObjects ?? caps.defaultNumObjects;
    if ((interval < 0 || effMode === 'node') && effN < perArea) {
      warnings.push(`${interval < 0 ? 'full mode' : 'pool_mode node'} needs num_objects >= ${perArea} (one ${formatBytes(caps.pudSize)} area); num_objects ${effN} -> ${perArea}`);
      numObjects = perArea;
    }
    if (spec.mode !== 'off' && caps.order0Unsafe && (spec.order0_page ?? base.order0 ?? true)) {
      warnings.push(`order-0 page sampling can crash kernels <= 5.10.134-15 (${f.kernel.release}); set order0_page: false`);
    }
  } else poolMode = undefined;

  if (spec.fault === 'panic' && spec.mode !== 'off') warnings.push('fault: panic: any KFENCE finding panics this host (make sure kdump is configured)');

  return {
    target: {
      interval,
      numObjects,
      poolMode,
      order0: caps.flavor === 'alinux' ? spec.order0_page : undefined,
      fault: caps.flavor === 'alinux' ? spec.fault : undefined,
      slabs,
      slabsNonDefault,
      bootingMax: spec.booting_max,
    },
    refused,
    warnings,
  };
}
