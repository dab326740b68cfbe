// Builders for planner tests: example facts from test/fixtures/facts and plays with defaults.

import { readFileSync } from 'node:fs';
import type { HostFacts } from '../../src/facts/types.js';
import type { KfenceSpec, Play } from '../../src/playbook/types.js';

export const FIXTURES = [
  'alinux-5.10.134-17-x86_64',
  'alinux-5.10.134-16-aarch64',
  'alinux-5.10.134-15-x86_64',
  'alinux-5.10.84-10-x86_64',
  'upstream-6.12',
  'upstream-5.15',
  'no-kfence',
] as const;
export type FixtureName = (typeof FIXTURES)[number];

const cache = new Map<string, HostFacts>();
export function facts(name: FixtureName): HostFacts {
  let f = cache.get(name);
  if (!f) {
    f = JSON.parse(readFileSync(new URL(`../fixtures/facts/${name}.json`, import.meta.url), 'utf8')) as HostFacts;
    cache.set(name, f);
  }
  return structuredClone(f);
}

export function spec(k: Partial<KfenceSpec> = {}): KfenceSpec {
  return {
    mode: 'sampling',
    sample_interval: 100,
    slabs: { kind: 'all', names: [] },
    apply: 'both',
    acknowledge_panic: false,
    ...k,
  };
}

export function play(k: Partial<KfenceSpec> = {}): Play {
  return {
    name: 'test',
    hosts: 'all',
    kfence: spec(k),
    has_rollout: false,
    rollout: { phases: [{ kind: 'percent', percent: 100 }], forks: 5, max_fail_percentage: 0, soak_ms: 0, promote: 'auto', health: { unexpected_reboot: 'fail', kfence_bugs: 'report' } },
    reboot: { allowed: true, max_parallel: 1, timeout_ms: 600000, stable_for_ms: 30000 },
    source: { file: 'test.yml', line: 1, col: 1 },
  };
}

/** Compact step strings: "write sample_interval=0", "write slab kmalloc-64=1", "verify enabled=1". */
export function compactSteps(steps: import('../../src/plan/types.js').RuntimeStep[]): string[] {
  return steps.map((s) => {
    if (s.op === 'verify_enabled') return `verify enabled=${s.enabled ? 1 : 0}`;
    const slab = /^\/sys\/kernel\/slab\/([^/]+)\//.exec(s.path);
    if (slab) return `write slab ${slab[1]}=${s.value}`;
    return `write ${s.path.split('/').pop()}=${s.value}`;
  });
}
