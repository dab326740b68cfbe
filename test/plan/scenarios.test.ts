// Every scenario of the Alinux guide x every example kernel: the expected steps, command-line
// change, boot unit, reboot need or refusal of each cell.

import assert from 'node:assert/strict';
import { planHost } from '../../src/plan/plan-host.js';
import { planIsEmpty, type HostPlan } from '../../src/plan/types.js';
import type { KfenceSpec } from '../../src/playbook/types.js';
import { FIXTURES, compactSteps, facts, play, type FixtureName } from './helpers.js';

type Cell =
  | { refused: string[] }
  | { empty: true; warn?: RegExp }
  | { steps: string[]; add?: string[]; remove?: string[]; reboot: boolean; unit?: 'install' | 'remove'; warn?: RegExp; reason?: RegExp };

const BM = '0-2G:0,2G-32G:2M,32G-:32M';
const absent: Cell = { refused: ['KFENCE_ABSENT'] };
const unsupported: Cell = { refused: ['KNOB_UNSUPPORTED'] };

/** Real caches of the example facts other than kmalloc-64 (the fixtures' data, not the planner's). */
function othersOff(name: FixtureName, value: string): string[] {
  const f = facts(name);
  return Object.entries(f.slabs)
    .filter(([n, s]) => s.alias_of === undefined && n !== 'kmalloc-64')
    .map(([n]) => n)
    .sort()
    .map((n) => `write slab ${n}=${value}`);
}
const fullSlabSteps = (name: FixtureName, disableFirst: boolean): string[] => [
  ...(disableFirst ? ['write sample_interval=0'] : []),
  'write order0_page=0',
  ...othersOff(name, '0'),
  'write num_objects=131071',
  'write pool_mode=node',
  'write sample_interval=-1',
  'verify enabled=1',
];

const scenarios: Array<{ name: string; spec: Partial<KfenceSpec>; cells: Record<FixtureName, Cell> }> = [
  {
    name: 'scenario 1: online sampling with booting_max (grubby, next boot)',
    spec: { mode: 'sampling', sample_interval: 100, booting_max: BM, apply: 'boot' },
    cells: {
      'alinux-5.10.134-17-x86_64': { steps: [], add: [`kfence.booting_max=${BM}`, 'kfence.sample_interval=100'], reboot: true }, // the older -16 entry gets both,
      'alinux-5.10.134-16-aarch64': { steps: [], add: [`kfence.booting_max=${BM}`, 'kfence.sample_interval=100'], reboot: false }, // the older -15 entry lacks sample_interval,
      'alinux-5.10.134-15-x86_64': { steps: [], add: [`kfence.booting_max=${BM}`, 'kfence.sample_interval=100'], reboot: false, warn: /stays disabled at boot.*zero bytes/ },
      'alinux-5.10.84-10-x86_64': { steps: [], add: [`kfence.booting_max=${BM}`, 'kfence.sample_interval=100'], reboot: true, warn: /order-0/ },
      'upstream-6.12': unsupported,
      'upstream-5.15': unsupported,
      'no-kfence': absent,
    },
  },
  {
    name: 'scenario 1 without booting_max, live and persisted (apply: both)',
    spec: { mode: 'sampling', sample_interval: 100, apply: 'both' },
    cells: {
      'alinux-5.10.134-17-x86_64': { steps: [], add: ['kfence.sample_interval=100'], reboot: true, reason: /can only be created at boot/ },
      'alinux-5.10.134-16-aarch64': { steps: [], add: ['kfence.sample_interval=100'], reboot: false }, // only the older -15 entry changes
      'alinux-5.10.134-15-x86_64': { steps: [], add: ['kfence.sample_interval=100'], reboot: true },
      'alinux-5.10.84-10-x86_64': { steps: [], add: ['kfence.sample_interval=100'], reboot: true },
      'upstream-6.12': { steps: ['write sample_interval=100', 'verify enabled=1'], add: ['kfence.sample_interval=100'], reboot: false },
      'upstream-5.15': { empty: true, warn: /no supported bootloader .*could not be checked/ },
      'no-kfence': absent,
    },
  },
  {
    name: 'scenario 1 at runtime only',
    spec: { mode: 'sampling', sample_interval: 100, apply: 'runtime' },
    cells: {
      'alinux-5.10.134-17-x86_64': { refused: ['RUNTIME_IMPOSSIBLE'] },
      'alinux-5.10.134-16-aarch64': { empty: true },
      'alinux-5.10.134-15-x86_64': { refused: ['RUNTIME_IMPOSSIBLE'] },
      'alinux-5.10.84-10-x86_64': { refused: ['RUNTIME_IMPOSSIBLE'] },
      'upstream-6.12': { steps: ['write sample_interval=100', 'verify enabled=1'], reboot: false },
      'upstream-5.15': { empty: true },
      'no-kfence': absent,
    },
  },
  {
    name: 'scenario 2: slab-targeted full mode, num_objects auto, node pools (runtime)',
    spec: { mode: 'full', sample_interval: -1, num_objects: 'auto', pool_mode: 'node', order0_page: false, slabs: { kind: 'only', names: ['kmalloc-64'] }, apply: 'runtime' },
    cells: {
      'alinux-5.10.134-17-x86_64': { steps: fullSlabSteps('alinux-5.10.134-17-x86_64', false), reboot: false, warn: /merged with eventpoll_pwq/ },
      'alinux-5.10.134-16-aarch64': { steps: fullSlabSteps('alinux-5.10.134-16-aarch64', true), reboot: false },
      'alinux-5.10.134-15-x86_64': { steps: fullSlabSteps('alinux-5.10.134-15-x86_64', false), reboot: false, warn: /large KFENCE pool/ },
      'alinux-5.10.84-10-x86_64': { steps: fullSlabSteps('alinux-5.10.84-10-x86_64', false), reboot: false },
      'upstream-6.12': unsupported,
      'upstream-5.15': unsupported,
      'no-kfence': absent,
    },
  },
  {
    name: 'scenario 2 as slab-targeted sampling, live and at boot (apply: both)',
    spec: { mode: 'sampling', sample_interval: 100, slabs: { kind: 'only', names: ['kmalloc-64'] }, apply: 'both' },
    cells: {
      'alinux-5.10.134-17-x86_64': { steps: othersOff('alinux-5.10.134-17-x86_64', '0'), add: ['kfence.sample_interval=100'], unit: 'install', reboot: true },
      'alinux-5.10.134-16-aarch64': { steps: othersOff('alinux-5.10.134-16-aarch64', '0'), add: ['kfence.sample_interval=100'], unit: 'install', reboot: false }, // the older -15 entry lacks sample_interval
      'alinux-5.10.134-15-x86_64': { steps: othersOff('alinux-5.10.134-15-x86_64', '0'), add: ['kfence.sample_interval=100'], unit: 'install', reboot: true },
      'alinux-5.10.84-10-x86_64': { steps: othersOff('alinux-5.10.84-10-x86_64', '0'), add: ['kfence.sample_interval=100'], unit: 'install', reboot: true },
      'upstream-6.12': { steps: [...othersOff('upstream-6.12', '1'), 'write sample_interval=100', 'verify enabled=1'], add: ['kfence.sample_interval=100'], unit: 'install', reboot: false },
      'upstream-5.15': unsupported,
      'no-kfence': absent,
    },
  },
  {
    name: 'offline debugging: huge pool, full mode, fault=panic (next boot)',
    spec: { mode: 'full', sample_interval: -1, num_objects: 1_000_000, fault: 'panic', acknowledge_panic: true, apply: 'boot' },
    cells: {
      'alinux-5.10.134-17-x86_64': { steps: [], add: ['kfence.fault=panic', 'kfence.num_objects=1000000', 'kfence.sample_interval=-1'], reboot: true, warn: /panics this host/ },
      'alinux-5.10.134-16-aarch64': { refused: ['BOOT_IMPOSSIBLE'] },
      'alinux-5.10.134-15-x86_64': unsupported,
      'alinux-5.10.84-10-x86_64': unsupported,
      'upstream-6.12': unsupported,
      'upstream-5.15': unsupported,
      'no-kfence': absent,
    },
  },
  {
    name: 'disabling, live and on the command line (apply: both)',
    spec: { mode: 'off', sample_interval: 0, apply: 'both' },
    cells: {
      'alinux-5.10.134-17-x86_64': { empty: true },
      'alinux-5.10.134-16-aarch64': { steps: ['write sample_interval=0', 'verify enabled=0'], add: ['kfence.sample_interval=0'], reboot: false },
      'alinux-5.10.134-15-x86_64': { empty: true },
      'alinux-5.10.84-10-x86_64': { empty: true },
      'upstream-6.12': { empty: true },
      'upstream-5.15': { refused: ['NO_BOOTLOADER'] },
      'no-kfence': { empty: true, warn: /not built into this kernel/ },
    },
  },
  {
    name: 'disabling at runtime only',
    spec: { mode: 'off', sample_interval: 0, apply: 'runtime' },
    cells: {
      'alinux-5.10.134-17-x86_64': { empty: true },
      'alinux-5.10.134-16-aarch64': { steps: ['write sample_interval=0', 'verify enabled=0'], reboot: false },
      'alinux-5.10.134-15-x86_64': { empty: true },
      'alinux-5.10.84-10-x86_64': { empty: true },
      'upstream-6.12': { empty: true },
      'upstream-5.15': { steps: ['write sample_interval=0', 'verify enabled=0'], reboot: false, warn: /cannot re-enable/ },
      'no-kfence': { empty: true },
    },
  },
];

function check(p: HostPlan, c: Cell): void {
  const ctx = JSON.stringify({ refused: p.refused, steps: compactSteps(p.runtime), boot: p.boot && { add: p.boot.add, remove: p.boot.remove }, reboot: p.reboot, warnings: p.warnings }, null, 1);
  if ('refused' in c) {
    assert.deepEqual([...new Set(p.refused.map((r) => r.code))].sort(), [...c.refused].sort(), ctx);
    assert.deepEqual(p.runtime, [], 'a refused host gets no steps');
    assert.equal(p.boot, null);
    assert.equal(p.unit, null);
    assert.equal(p.reboot.required, false);
    return;
  }
  assert.deepEqual(p.refused, [], ctx);
  if ('empty' in c) {
    assert.ok(planIsEmpty(p), ctx);
  } else {
    assert.deepEqual(compactSteps(p.runtime), c.steps, ctx);
    // The boot unit's marker token (kfleet.boot_unit=<hash12>) accompanies every unit install.
    const marker = p.unit?.action === 'install' ? `kfleet.boot_unit=${p.unit.hash.slice(0, 12)}` : null;
    if (marker) assert.ok(p.boot?.add.includes(marker), ctx);
    assert.deepEqual((p.boot?.add ?? []).filter((a) => a !== marker), c.add ?? [], ctx);
    assert.deepEqual(p.boot?.remove ?? [], c.remove ?? [], ctx);
    assert.equal(p.unit?.action, c.unit, ctx);
    assert.equal(p.reboot.required, c.reboot, ctx);
    if (c.reason) assert.match(p.reboot.reasons.join('\n'), c.reason, ctx);
    if (c.reboot) assert.ok(p.reboot.reasons.length > 0);
  }
  if (c.warn) assert.match(p.warnings.join('\n'), c.warn, ctx);
}

describe('guide scenarios x example kernels', () => {
  for (const s of scenarios) {
    describe(s.name, () => {
      for (const name of FIXTURES) {
        it(name, () => check(planHost(play(s.spec), facts(name)), s.cells[name]));
      }
    });
  }
});
