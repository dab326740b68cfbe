// Planning many hosts, and the saved plan file (`kfleet plan --out`, `kfleet apply plan.json`).

import { z } from 'zod';
import { InputError } from '../errors.js';
import type { HostFacts } from '../facts/types.js';
import type { Play } from '../playbook/types.js';
import { PLAN_FORMAT, PLAN_VERSION, type HostPlan, type SavedPlan } from './types.js';
import { planHost } from './plan-host.js';
import { checkSavedPlan, jsonLocator, offsetLocation } from './saved-plan-check.js';

/** Plan every host of a play, in the order of the map (hosts without facts are the caller's business). */
export function planFleet(play: Play, factsByHost: ReadonlyMap<string, HostFacts> | Record<string, HostFacts> | readonly HostFacts[]): HostPlan[] {
  const entries: readonly HostFacts[] = Array.isArray(factsByHost) ? factsByHost : factsByHost instanceof Map ? [...factsByHost.values()] : Object.values(factsByHost);
  return entries.map((f) => planHost(play, f));
}

export interface SavedPlanInput {
  createdAt: Date | string;
  playbook: { file: string; sha256: string };
  inventory: string | null;
  plays: Array<{ name: string; hosts: HostPlan[] }>;
}

export function buildSavedPlan(i: SavedPlanInput): SavedPlan {
  return {
    format: PLAN_FORMAT,
    version: PLAN_VERSION,
    created_at: typeof i.createdAt === 'string' ? i.createdAt : i.createdAt.toISOString(),
    playbook: i.playbook,
    inventory: i.inventory,
    plays: i.plays,
  };
}

const expectation = z.union([
  z.object({ equals: z.string() }).strict(),
  z.object({ one_of: z.array(z.string()) }).strict(),
  z.object({ int_at_least: z.number().int() }).strict(),
]);
const step = z.discriminatedUnion('op', [
  z.object({ op: z.literal('write'), path: z.string().startsWith('/sys/'), value: z.string(), expect: expectation, knob: z.string(), why: z.string() }).strict(),
  z.object({ op: z.literal('verify_enabled'), enabled: z.boolean(), optional: z.boolean(), knob: z.string(), why: z.string() }).strict(),
]);
const hostPlan = z.object({
  host: z.string().min(1),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/),
  release: z.string(),
  changes: z.array(z.object({ knob: z.string(), before: z.string().nullable(), after: z.string().nullable(), where: z.enum(['runtime', 'boot', 'both']) }).strict()),
  runtime: z.array(step),
  boot: z.object({
    mechanism: z.enum(['grubby', 'grub-debian', 'kernel-install']).optional(),
    kernels: z.array(z.string()),
    add: z.array(z.string()),
    remove: z.array(z.string()),
    entries: z.array(z.object({ kernel: z.string(), before: z.string(), after: z.string(), title: z.string().optional() }).strict()),
    grub: z.object({ dropin_before: z.string().nullable(), dropin_after: z.string().nullable(), update: z.enum(['update-grub', 'grub-mkconfig']) }).strict().optional(),
    kernel_cmdline: z.object({ before: z.string().nullable(), after: z.string() }).strict().optional(),
  }).strict().nullable(),
  bootloader: z.enum(['grubby', 'grub-debian', 'kernel-install']).nullable().optional(),
  unit: z.object({ action: z.enum(['install', 'remove']), script: z.string(), hash: z.string() }).strict().nullable(),
  reboot: z.object({ required: z.boolean(), reasons: z.array(z.string()) }).strict(),
  desired_args: z.record(z.string(), z.string().nullable()),
  memory_bytes: z.number().nullable(),
  warnings: z.array(z.string()),
  refused: z.array(z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).strict()),
  trial: z.object({
    mechanism: z.enum(['grubby-oneshot', 'grub-debian-oneshot', 'kexec', 'none']),
    reason: z.string(),
    guard_args: z.array(z.string()),
    oneshot: z.object({ command: z.enum(['grub2-reboot', 'grub-reboot']), env_block: z.string() }).strict().optional(),
  }).strict().optional(),
}).strict();
const savedPlan = z.object({
  format: z.literal(PLAN_FORMAT),
  version: z.literal(PLAN_VERSION),
  created_at: z.string(),
  playbook: z.object({ file: z.string(), sha256: z.string() }).strict(),
  inventory: z.string().nullable(),
  plays: z.array(z.object({ name: z.string(), hosts: z.array(hostPlan) }).strict()),
}).strict();

/** Parse and validate a saved plan; every problem is an InputError (exit 2) naming the file. */
export function parseSavedPlan(json: string, file = 'plan.json'): SavedPlan {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    const m = /position (\d+)/.exec((e as Error).message);
    const location = m ? offsetLocation(json, file, Number(m[1])) : offsetLocation(json, file, json.length);
    throw new InputError([{ message: `${file} is not JSON: ${(e as Error).message}`, location, hint: 'write it with `kfleet plan --out FILE`' }]);
  }
  const at = jsonLocator(json, file);
  const head = data as { format?: unknown; version?: unknown } | null;
  if (typeof head !== 'object' || head === null || head.format !== PLAN_FORMAT) {
    throw new InputError([{ message: `${file} is not a kfleet plan (format must be "${PLAN_FORMAT}")`, location: at(['format']), hint: 'write it with `kfleet plan --out FILE`' }]);
  }
  if (head.version !== PLAN_VERSION) {
    throw new InputError([{ message: `${file} is plan version ${String(head.version)}; this kfleet reads version ${PLAN_VERSION}`, location: at(['version']), hint: 'plan again with this kfleet version' }]);
  }
  const r = savedPlan.safeParse(data);
  if (!r.success) {
    throw new InputError(r.error.issues.slice(0, 20).map((i) => ({ message: `${file}: ${i.path.join('.') || '(root)'}: ${i.message}`, location: at(i.path as (string | number)[]) })), `${file} is not a valid kfleet plan`);
  }
  const problems = checkSavedPlan(r.data as SavedPlan, at);
  if (problems.length) throw new InputError(problems.slice(0, 20), `${file} is not a valid kfleet plan`);
  return r.data as SavedPlan;
}
