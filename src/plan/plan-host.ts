// planHost: the pure planner for one host. (Play, HostFacts) -> HostPlan: ordered live writes with
// read-back expectations, the grubby change, the boot unit, a state-derived reboot need, the
// memory estimate, warnings and refusals (a refused host gets nothing to write).

import type { HostFacts } from '../facts/types.js';
import type { Play } from '../playbook/types.js';
import type { HostPlan, Refusal } from './types.js';
import { capabilities } from '../kernel/capabilities.js';
import { kernelEdges } from '../kernel/edges.js';
import { objectsPerArea } from '../kernel/constants.js';
import { bootOutcome, type BootOutcome } from '../kernel/boot-outcome.js';
import { carries, editCmdline, kfenceArgs } from '../kernel/cmdline.js';
import { liveState, kstrtobool, numObjectsMatch, parseInterval, type KfenceState } from '../kernel/live.js';
import { liveMonitored } from '../kernel/slabs.js';
import { formatBytes, totalBytes } from '../kernel/memory.js';
import { factsFingerprint } from '../facts/fingerprint.js';
import { resolveTarget, type Target, type TargetBase } from './target.js';
import { planRuntime, type RuntimePlan, type RuntimeTarget } from './runtime-steps.js';
import { desiredArgs, relevantEntries } from './boot-args.js';
import { planBootArgs } from './boot-mechanisms.js';
import { bootView } from '../bootloader/facts.js';
import { installUnit, UNIT_MARKER, unitMarker } from './boot-unit.js';
import { deriveReboot, type EffectCheck } from './reboot.js';
import { budgetBytes, currentPool, estimateMemory, memBytes } from './estimate.js';
import { describeChanges } from './changes.js';
import { decideTrial, faultPanicRisks, trialVerdict } from './trial.js';

const RUNTIME_HINT = 'apply: boot with a reboot would do it';

function emptyPlan(f: HostFacts, fingerprint: string): HostPlan {
  return {
    host: f.host, fingerprint, release: f.kernel.release, changes: [], runtime: [], boot: null, unit: null,
    reboot: { required: false, reasons: [] }, desired_args: {}, memory_bytes: null, warnings: [], refused: [],
  };
}

function refuse(p: HostPlan, refused: Refusal[]): HostPlan {
  return { ...p, refused, runtime: [], boot: null, unit: null, reboot: { required: false, reasons: [] } };
}

export function planHost(play: Play, f: HostFacts): HostPlan {
  const spec = play.kfence;
  const plan: HostPlan = { ...emptyPlan(f, factsFingerprint(f)), bootloader: bootView(f).mechanism };
  const caps = capabilities(f);
  if (caps.flavor === 'none') {
    if (spec.mode === 'off') return { ...plan, warnings: ['KFENCE is not built into this kernel; nothing to turn off'] };
    return refuse(plan, [{ code: 'KFENCE_ABSENT', message: `KFENCE is not available on ${f.kernel.release} (no /sys/module/kfence)`, hint: 'needs a kernel built with CONFIG_KFENCE=y: Alibaba Cloud Linux 3 (5.10.84-10+ x86, 5.10.134-16+ Arm) or upstream >= 5.12' }]);
  }
  const warnings: string[] = [];
  const refused: Refusal[] = [];
  const live = liveState(f);
  const wantBoot = spec.apply !== 'runtime';
  const wantRuntime = spec.apply !== 'boot';

  const { next } = relevantEntries(f);
  const nextArgs = next?.args ?? f.cmdline;
  const configured = kfenceArgs(nextArgs);
  const base: TargetBase = wantBoot
    ? {
        numObjects: parseInterval(configured['kfence.num_objects']) ?? caps.defaultNumObjects,
        poolMode: configured['kfence.pool_mode'] === 'node' ? 'node' : 'global',
        order0: kstrtobool(configured['kfence.order0_page']) ?? true,
      }
    : { numObjects: live.numObjects, poolMode: live.poolMode, order0: live.order0 };
  const tr = resolveTarget(spec, f, caps, base);
  const t = tr.target;
  warnings.push(...tr.warnings);
  // What the kernel cannot do at all is reported alone: deeper analysis would only add noise.
  if (tr.refused.length > 0) return refuse({ ...plan, warnings: [...new Set(warnings)] }, tr.refused);

  // arm64 Alinux reserves only a pool below 1 GiB at boot (early param); larger pools are runtime-only.
  const perArea = objectsPerArea(caps.pageSize, caps.pudSize);
  const bigPool = t.interval < 0 || t.poolMode === 'node' || (t.numObjects ?? 0) >= perArea;
  const carryPool = !(caps.flavor === 'alinux' && caps.arch === 'arm64' && bigPool && t.interval !== 0);
  if (wantBoot && !carryPool) {
    if (spec.apply === 'boot') refused.push({ code: 'BOOT_IMPOSSIBLE', message: `arm64 kernels only reserve a KFENCE pool below ${formatBytes(caps.pudSize)} at boot; this pool (full mode, pool_mode node or >= ${perArea} objects) can only be enabled at runtime`, hint: 'use apply: runtime (or both, which applies it live)' });
    else warnings.push(`arm64 cannot reserve a pool of ${formatBytes(caps.pudSize)} or more at boot: the pool settings are applied live only and are not persisted on the command line`);
  }

  // The boot unit carries the per-slab selection; its marker token on the command line tells a
  // boot that ran it (the kernel ignores unknown dotted parameters) from one that did not.
  const unitWanted = wantBoot && t.slabs && t.slabsNonDefault && caps.slabControl && spec.slabs.kind !== 'all'
    ? installUnit({ control: caps.slabControl, kind: spec.slabs.kind, names: [...t.slabs.named.values()].sort() })
    : null;
  const kfenceDesired = wantBoot ? desiredArgs(t, caps, carryPool) : {};
  const desired: Record<string, string | null> = wantBoot ? { ...kfenceDesired, [UNIT_MARKER]: unitWanted ? unitMarker(unitWanted.hash) : null } : {};
  const mem = memBytes(f);
  const outcome: BootOutcome | null = wantBoot ? bootOutcome(kfenceArgs(editCmdline(nextArgs, desired)), caps, mem) : null;
  if (outcome && t.interval !== 0 && outcome.disabledReason) warnings.push(`KFENCE stays disabled at boot on this host (${formatBytes(mem)} of memory): ${outcome.disabledReason}`);
  if (outcome?.capped) warnings.push(`booting_max caps num_objects at ${outcome.capped.to} on this host (asked ${outcome.capped.from})`);
  if (!wantBoot && t.bootingMax !== undefined) warnings.push('booting_max only acts at boot; it is left alone with apply: runtime');

  // Runtime target: the spec (apply: runtime) or what the desired command line yields (apply: both).
  let rp: RuntimePlan | null = null;
  let rt: RuntimeTarget | null = null;
  if (wantRuntime) {
    const slabs = t.slabs?.monitored ?? null;
    if (spec.apply === 'both' && carryPool && outcome) {
      const interval = outcome.interval ?? t.interval;
      // booting_max may cap num_objects (use the capped value) or disable KFENCE (leave the pool alone).
      const numObjects = t.numObjects === undefined || outcome.disabledReason !== null ? undefined : outcome.numObjects ?? t.numObjects;
      // Leaving pool_mode alone means the boot default: a live (re-)enable must not pick another mode.
      const poolMode = t.poolMode ?? (interval !== 0 && outcome.poolMode !== null ? outcome.poolMode : undefined);
      rt = { interval, numObjects, poolMode, order0: t.order0, fault: t.fault, slabs };
    } else {
      rt = { interval: t.interval, numObjects: t.numObjects, poolMode: t.poolMode, order0: t.order0, fault: t.fault, slabs };
    }
    rp = planRuntime(rt, live, f, caps);
    warnings.push(...rp.warnings);
    if (spec.apply === 'runtime') {
      for (const i of rp.impossible) refused.push({ code: 'RUNTIME_IMPOSSIBLE', message: i.message, hint: RUNTIME_HINT });
    }
  }

  // Boot args and the unit.
  let boot = null;
  let unit = null;
  let unitPending: string | null = null;
  if (wantBoot) {
    if (Object.keys(desired).length > 0) {
      const bp = planBootArgs(f, desired);
      boot = bp.boot;
      refused.push(...bp.refused);
      warnings.push(...bp.warnings);
    }
    if (unitWanted) {
      if (!(f.boot_unit.installed && f.boot_unit.hash === unitWanted.hash)) unit = unitWanted;
    } else if (f.boot_unit.installed) {
      unit = { action: 'remove' as const, script: '', hash: f.boot_unit.hash ?? '' };
    }
  } else if (f.boot_unit.installed) {
    warnings.push('kfleet\'s boot unit is installed and will re-apply its per-slab selection at the next boot (apply: runtime leaves it alone)');
  }

  // Reboot need: compare live values with what the desired command line yields.
  let checks: EffectCheck[] = [];
  if (wantBoot && outcome) {
    checks = effectChecks(t, outcome, live, caps, rp, carryPool, spec.apply === 'both');
    const slabsOff = t.slabs ? [...t.slabs.monitored].filter(([real, want]) => liveMonitored(f.slabs[real]) !== want).map(([r]) => r) : [];
    const slabsFixed = spec.apply === 'both' && rp !== null && (slabsOff.length === 0 || rp.touched.has('slabs'));
    if (slabsOff.length > 0 && !slabsFixed) {
      const list = `${slabsOff.slice(0, 5).join(', ')}${slabsOff.length > 5 ? ', ...' : ''}`;
      if (!carries(f.cmdline, { [UNIT_MARKER]: desired[UNIT_MARKER] ?? null })) {
        unitPending = `per-slab selection (${slabsOff.length} cache${slabsOff.length > 1 ? 's' : ''}) is ${unitWanted ? 'applied by the boot unit' : 'reset to the kernel default'} at the next boot`;
      } else warnings.push(`per-slab selection is not live (${list}) although this boot ${unitWanted ? 'ran the current boot unit' : 'has no boot unit'}; apply: both would set it now`);
    }
  }
  const rb = deriveReboot(checks, f.cmdline, kfenceDesired, unitPending);
  warnings.push(...rb.warnings);

  // Memory.
  const finalInterval = wantBoot && outcome ? (rb.required || spec.apply === 'boot' ? outcome.interval ?? t.interval : rt?.interval ?? t.interval) : t.interval;
  const memoryNow = estimateMemory(f, caps, live, { finalInterval, enablePool: rp?.enablePool ?? null, boot: outcome, bootDecides: rb.required || spec.apply === 'boot' });
  // Persisted args decide the pool of every later boot: the larger of the two is what the host must afford.
  const memoryBoot = outcome?.pool && outcome.interval !== 0 ? totalBytes(outcome.pool) : 0;
  const memory = Math.max(memoryNow, memoryBoot);
  const limit = budgetBytes(spec.memory_budget, f);
  // The budget guards what a plan would add: a pool the host already holds is not refused again
  // (after a boot-time pool the kernel's MemTotal no longer counts it, and Alinux node mode reads
  // back num_objects summed over nodes), so a converged host keeps an empty plan.
  const cur = currentPool(f, caps, live);
  const held = cur ? totalBytes(cur) : 0;
  if (memory <= held) {
    if (limit !== null && memory > limit) warnings.push(`the KFENCE pool this host already holds (about ${formatBytes(held)}) is over the budget of ${formatBytes(limit)}; kfleet does not grow it, and does not shrink it either`);
  } else if (memory >= mem) {
    refused.push({ code: 'OVER_MEMORY_BUDGET', message: `the KFENCE pool would take about ${formatBytes(memory)}, more than this host's ${formatBytes(mem)} of memory`, hint: 'lower num_objects or use pool_mode: global' });
  } else if (limit !== null && memory > limit) {
    refused.push({ code: 'OVER_MEMORY_BUDGET', message: `the KFENCE pool would take about ${formatBytes(memory)}, over the budget of ${formatBytes(limit)} (${formatBytes(mem)} of memory)`, hint: 'lower num_objects, use pool_mode: global, or raise memory_budget' });
  } else if (memory >= 1024 ** 3 || memory > mem / 10) {
    warnings.push(`large KFENCE pool: about ${formatBytes(memory)} (pool + metadata estimate) of ${formatBytes(mem)}`);
  }
  if (rp?.enablePool && rp.enablePool.areas > 0 && caps.flavor === 'alinux') warnings.push(`a runtime enable allocates whole ${formatBytes(caps.pudSize)} areas: ${rp.enablePool.areas} area${rp.enablePool.areas > 1 ? 's' : ''}; it needs contiguous free memory and fails (reads back 0) on fragmented hosts`);

  const runtime = rp?.steps ?? [];
  const writes = runtime.length > 0 || boot !== null || unit !== null;
  if (writes && !f.privileged) refused.push({ code: 'NOT_PRIVILEGED', message: 'writing KFENCE settings needs root', hint: 'set ansible_become: true (or connect as root)' });
  const edges = kernelEdges(f, caps, { enabling: t.interval !== 0, writes, liveWrites: runtime.length > 0, reboot: rb.required, selected: spec.slabs.kind === 'only' && t.slabs ? [...t.slabs.named.keys()] : [] });
  refused.push(...edges.refused);
  warnings.push(...edges.warnings);
  const trialPolicy = play.reboot.trial ?? 'preferred';
  const trial = decideTrial({ policy: trialPolicy, bootloader: plan.bootloader ?? null, facts: f.trial, cmdline: f.cmdline });
  const tv = trialVerdict(trialPolicy, trial, rb.required && boot !== null, f.trial !== undefined);
  refused.push(...tv.refused);
  warnings.push(...tv.warnings);
  if (spec.fault === 'panic' && spec.mode !== 'off') warnings.push(...faultPanicRisks(f.trial, trial));

  const out: HostPlan = {
    ...plan,
    changes: describeChanges({ spec, t, live, f, rp, boot, unit, desired, configured }),
    runtime,
    boot,
    unit,
    reboot: { required: rb.required, reasons: rb.reasons },
    desired_args: desired,
    memory_bytes: memory,
    warnings: [...new Set(warnings)],
    refused,
    ...(rb.required ? { trial } : {}),
  };
  return refused.length > 0 ? refuse(out, refused) : out;
}

function effectChecks(t: Target, o: BootOutcome, live: KfenceState, caps: ReturnType<typeof capabilities>, rp: RuntimePlan | null, carryPool: boolean, both: boolean): EffectCheck[] {
  const checks: EffectCheck[] = [];
  const impossible = new Map((rp?.impossible ?? []).map((i) => [i.knob, i.message]));
  const poolDeferred = impossible.has('sample_interval');
  const add = (knob: string, liveV: string | null, want: string | null, ok: boolean, poolGroup: boolean): void => {
    const fixedLive = both && rp !== null && !(poolGroup && poolDeferred) && !impossible.has(knob) && (ok || rp.touched.has(knob));
    const because = poolGroup && poolDeferred ? impossible.get('sample_interval') : impossible.get(knob) ?? (both ? undefined : 'apply: boot');
    checks.push({ knob, live: liveV, want, ok, fixedLive, ...(because ? { because } : {}) });
  };
  const str = (v: number | boolean | string | null): string | null => (v === null ? null : typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  if (carryPool && o.interval !== null) add('sample_interval', str(live.interval), String(o.interval), live.interval === o.interval, true);
  if (caps.flavor === 'alinux') {
    if (carryPool && t.numObjects !== undefined && o.interval !== 0 && o.numObjects !== null) {
      add('num_objects', str(live.numObjects), String(o.numObjects), numObjectsMatch(live.numObjects, o.numObjects, caps.pageSize, caps.nodes, o.poolMode === 'node' || (o.interval ?? 0) < 0, caps.pudSize), true);
    }
    if (carryPool && t.poolMode !== undefined) add('pool_mode', live.poolMode, o.poolMode, live.poolMode === o.poolMode, true);
    if (t.order0 !== undefined) add('order0_page', str(live.order0), str(o.order0), live.order0 === o.order0, false);
    if (t.fault !== undefined) add('fault', live.fault, o.fault, live.fault === o.fault, false);
  }
  return checks;
}

