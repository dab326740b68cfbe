// The playbook schema in zod: strict objects for structure (unknown keys are errors), leaf
// parsers from values.ts for everything a person types, so every message and hint is ours.
// This checks one play at a time; cross-field rules live in semantics.ts.
import { z } from 'zod';
import { bootingMax } from './booting-max.js';
import { bool, budget, duration, num, oneOf, percent, slabName, text, bad, ok, describe, type Parsed } from './values.js';
import { shape } from './input-shapes.js';
import { NOTIFY_EVENTS, NOTIFY_FORMATS, webhookUrl } from './notify.js';

/**
 * What each leaf accepts, as a zod input schema: read only by the JSON Schema generator
 * (json-schema.ts), which puts it in place of the leaf (a transform, opaque to JSON Schema).
 */
export const leafInputs = new WeakMap<object, z.ZodType>();

/** A zod schema that runs a leaf parser and reports its message and hint as a custom issue. */
export function leaf<T>(parse: (v: unknown) => Parsed<T>, input?: z.ZodType) {
  const s = z.unknown().transform((v, ctx): T => {
    const r = parse(v);
    if (r.ok) return r.value;
    ctx.addIssue({ code: 'custom', message: r.message, params: { hint: r.hint }, input: v });
    return z.NEVER;
  });
  if (input) leafInputs.set(s, input);
  return s;
}

/** A key that must be present. */
function required<T>(key: string, parse: (v: unknown) => Parsed<T>, hint: string, input: z.ZodType) {
  return leaf((v) => {
    if (v === undefined) return bad(`missing required key "${key}"`, hint);
    const r = parse(v);
    return !r.ok && v === null ? bad(r.message, hint) : r;
  }, input);
}

export const MODES = ['off', 'sampling', 'full'] as const;
export const APPLY = ['runtime', 'boot', 'both'] as const;
export const GATE = ['fail', 'report', 'ignore'] as const;
export const INT32_MAX = 2 ** 31 - 1;

function numObjects(v: unknown): Parsed<number | 'auto'> {
  if (v === 'auto') return ok('auto');
  const n = num(v, { min: 1, what: 'a positive whole number or "auto"' });
  if (!n.ok && typeof v === 'string' && v.trim().toLowerCase() === 'auto') return bad(n.message, 'write auto in lower case');
  return n;
}

function phaseShare(v: unknown): Parsed<{ kind: 'count'; count: number } | { kind: 'percent'; percent: number }> {
  const p = percent(v);
  if (p) return p.ok ? ok({ kind: 'percent', percent: p.value }) : p;
  const what = 'a host count, a share like "10%" or {pattern: ...}';
  if (typeof v === 'number' && v > 0 && v < 1) {
    return bad(`expected ${what}, got ${describe(v)}`, `write the share as a percentage: "${+(v * 100).toFixed(4)}%"`);
  }
  if (v === 0) return bad('a phase must hold at least one host, got 0');
  const n = num(v, { min: 1, what });
  if (!n.ok && typeof v === 'string' && /^\d+$/.test(v.trim())) {
    return bad(n.message, `write ${v.trim()} without quotes for a count of hosts, or "${v.trim()}%" for a share`);
  }
  if (!n.ok && typeof v === 'string' && !/^[\d.\s%]+$/.test(v)) {
    return bad(n.message, `for hosts matching a pattern, write {pattern: ${JSON.stringify(v)}}`);
  }
  return n.ok ? ok({ kind: 'count', count: n.value }) : n;
}

function hostPattern(v: unknown): Parsed<string> {
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
    return bad(`expected a host pattern, got a list`, `join the patterns with ':', e.g. hosts: ${JSON.stringify(v.join(':'))}`);
  }
  return text(v, 'a host pattern');
}

const slabList = z.array(leaf(slabName, shape.slabName())).min(1);

export const SlabsSchema = z.strictObject({ only: slabList.optional(), except: slabList.optional() });

export const KfenceSchema = z.strictObject({
  mode: required('mode', oneOf(MODES), 'say mode: sampling, full or off', shape.oneOf(MODES).describe('off | sampling | full (full = negative interval: every allocation, Alinux only)')),
  sample_interval: leaf((v) => num(v, { min: 1, max: INT32_MAX, what: 'a positive whole number of milliseconds' }), shape.int(1, INT32_MAX).describe('milliseconds between KFENCE samples, for mode: sampling (default 100)')).optional(),
  num_objects: leaf(numObjects, shape.numObjects().describe('KFENCE pool size in objects (Alinux); "auto" = sized from the selected slabs')).optional(),
  pool_mode: leaf(oneOf(['global', 'node'] as const), shape.oneOf(['global', 'node']).describe('one pool for the machine, or one per NUMA node (Alinux)')).optional(),
  order0_page: leaf(bool, shape.bool().describe('also sample order-0 page allocations (Alinux)')).optional(),
  fault: leaf(oneOf(['report', 'panic'] as const), shape.oneOf(['report', 'panic']).describe('on a KFENCE finding: report, or panic the host (Alinux >= 5.10.134-16; needs acknowledge_panic: true)')).optional(),
  acknowledge_panic: leaf(bool, shape.bool().describe('must be true with fault: panic: you accept that a finding crashes the host')).optional(),
  slabs: SlabsSchema.optional(),
  booting_max: leaf(bootingMax, shape.bootingMax()).optional(),
  apply: leaf(oneOf(APPLY), shape.oneOf(APPLY).describe('runtime: the live kernel now; boot: the kernel command line, from the next boot; both (default)')).optional(),
  memory_budget: leaf(budget, shape.budget().describe('refuse a plan whose pool would exceed this share of RAM ("10%") or size ("512M")')).optional(),
});

export const HealthSchema = z.strictObject({
  unexpected_reboot: leaf(oneOf(GATE), shape.oneOf(GATE).describe('a host that rebooted by itself during the soak: fail (default), report or ignore')).optional(),
  kfence_bugs: leaf(oneOf(GATE), shape.oneOf(GATE).describe('a KFENCE report during the soak: fail, report (default) or ignore')).optional(),
  command: leaf((v) => text(v, 'a command'), shape.text('a command that must exit 0 on each watched host')).optional(),
});

export const PatternPhaseSchema = z.strictObject({
  pattern: required('pattern', (v) => text(v, 'a host pattern'), 'write {pattern: "web-0*"}', shape.text('an Ansible host pattern')),
});

export const PhaseSchema = z.union([
  PatternPhaseSchema.transform((p) => ({ kind: 'pattern' as const, pattern: p.pattern })),
  leaf(phaseShare, shape.phaseShare().describe('a host count (1) or a share of the play\'s hosts ("10%")')),
]);

export const RolloutSchema = z.strictObject({
  phases: z.array(PhaseSchema).min(1).optional(),
  forks: leaf((v) => num(v, { min: 1, max: 10000 }), shape.int(1, 10000).describe('hosts worked on at once (default 50)')).optional(),
  max_fail_percentage: leaf((v) => num(v, { min: 0, max: 100, fraction: true }), shape.number(0, 100).describe('per phase: halt when more than this percentage of its hosts failed (unreachable counts as failed; default 0)')).optional(),
  max_failed_hosts: leaf((v) => num(v, { min: 0 }), shape.int(0).describe('across the run: halt when more hosts than this failed')).optional(),
  soak: leaf(duration, shape.duration().describe('wait and watch each phase before the next: 10m, 1h30m (default 0)')).optional(),
  promote: leaf(oneOf(['auto', 'manual'] as const), shape.oneOf(['auto', 'manual']).describe('manual: wait for `kfleet promote RUN` after each phase')).optional(),
  health: HealthSchema.optional(),
});

export const RebootSchema = z.strictObject({
  allowed: leaf(bool, shape.bool().describe('may kfleet reboot hosts whose change needs a reboot (default false: left pending)')).optional(),
  max_parallel: leaf((v) => num(v, { min: 1, max: 10000 }), shape.int(1, 10000).describe('hosts rebooting at once (default 1)')).optional(),
  timeout: leaf((v) => duration(v, { min_ms: 1 }), shape.duration(true).describe('how long a host may take to come back (default 10m)')).optional(),
  stable_for: leaf(duration, shape.duration().describe('how long a host must stay up after a reboot to count as back (default 30s)')).optional(),
  trial: leaf(oneOf(['required', 'preferred', 'off'] as const), shape.oneOf(['required', 'preferred', 'off']).describe('boot new args once (one-shot entry) and make them the default only once confirmed: required (refuse hosts without a trial mechanism), preferred (default: plain reboot where none), off')).optional(),
});

export const WebhookSchema = z.strictObject({
  url: required('url', webhookUrl, 'write url: https://hooks.example.com/... or url: {env: KFLEET_WEBHOOK}', shape.webhookUrl()),
  format: leaf(oneOf(NOTIFY_FORMATS), shape.oneOf(NOTIFY_FORMATS).describe('slack: {"text": ...}; json (default): the event\'s facts')).optional(),
  events: z.array(leaf(oneOf(NOTIFY_EVENTS), shape.oneOf(NOTIFY_EVENTS))).min(1).describe('which events to send (default: all)').optional(),
});

export const NotifySchema = z.array(WebhookSchema).min(1);

export const PlaySchema = z.strictObject({
  name: leaf((v) => text(v, 'a name'), shape.text('the play\'s name in output and reports')).optional(),
  hosts: required('hosts', hostPattern, 'say which hosts, e.g. hosts: web:&prod', shape.text('an Ansible host pattern, e.g. web:&prod')),
  kfence: KfenceSchema,
  rollout: RolloutSchema.optional(),
  health: HealthSchema.optional(),
  reboot: RebootSchema.optional(),
  notify: NotifySchema.optional(),
});

export type RawPlay = z.output<typeof PlaySchema>;

/** The keys allowed at each level (paths without list indices; list items as `[]`). */
export const KEYS: Record<string, readonly string[]> = {
  '': Object.keys(PlaySchema.shape),
  kfence: Object.keys(KfenceSchema.shape),
  'kfence.slabs': Object.keys(SlabsSchema.shape),
  rollout: Object.keys(RolloutSchema.shape),
  'rollout.health': Object.keys(HealthSchema.shape),
  'rollout.phases[]': Object.keys(PatternPhaseSchema.shape),
  health: Object.keys(HealthSchema.shape),
  reboot: Object.keys(RebootSchema.shape),
  'notify[]': Object.keys(WebhookSchema.shape),
};

/** Hints for a mapping given where a different shape was expected, by level. */
export const SHAPE_HINTS: Record<string, string> = {
  'kfence.slabs': 'write slabs: {only: [kmalloc-64]} or slabs: {except: [...]}; omit it to monitor all caches',
  'kfence.slabs.only': 'list the caches: only: [kmalloc-64, kmalloc-128]',
  'kfence.slabs.except': 'list the caches: except: [kmalloc-64, kmalloc-128]',
  'rollout.phases': 'list the phases, e.g. phases: [1, "10%", "100%"]',
  kfence: 'kfence is a mapping, e.g. kfence: {mode: sampling, sample_interval: 100}',
  reboot: 'reboot is a mapping, e.g. reboot: {allowed: true}',
  notify: 'list the webhooks, e.g. notify: [{url: {env: KFLEET_WEBHOOK}, format: slack}]',
};

/** A playbook file: one play, or a list of plays (load.ts validates play by play with PlaySchema). */
export const PlaybookSchema = z.union([PlaySchema, z.array(PlaySchema).min(1)]);
