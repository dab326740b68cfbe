// Plan benchmark: 10,000 hosts built from the example facts (names, memory, live values varied),
// planned with the guide's scenarios in turn. Prints wall time, per-host cost and peak memory.
// Run: npm run bench:plan [-- HOSTS]   (PLAN_RUNS=7 timed runs after one warm-up)

import { readFileSync, readdirSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import type { HostFacts } from '../src/facts/types.js';
import type { KfenceSpec, Play } from '../src/playbook/types.js';
import { planFleet } from '../src/plan/plan-fleet.js';
import { planIsEmpty } from '../src/plan/types.js';

const HOSTS = Number(process.argv[2] ?? 10_000);
const dir = new URL('../test/fixtures/facts/', import.meta.url);
const examples = readdirSync(dir)
  .filter((n) => n.endsWith('.json'))
  .sort()
  .map((n) => JSON.parse(readFileSync(new URL(n, dir), 'utf8')) as HostFacts);

function vary(base: HostFacts, i: number): HostFacts {
  const f = structuredClone(base);
  f.host = `host-${String(i).padStart(5, '0')}.prod`;
  f.boot_id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
  f.memory.total_kb = Math.round(f.memory.total_kb * (0.5 + (i % 7) / 4));
  const si = f.kfence.params.sample_interval;
  if (si && i % 5 === 0) si.value = si.value === '0' ? '100' : '0';
  const dentry = f.slabs.dentry;
  if (dentry?.value && i % 3 === 0) dentry.value = dentry.value === '1' ? '0' : '1';
  return f;
}

const base: Pick<KfenceSpec, 'slabs' | 'acknowledge_panic'> = { slabs: { kind: 'all', names: [] }, acknowledge_panic: false };
const specs: KfenceSpec[] = [
  { ...base, mode: 'sampling', sample_interval: 100, booting_max: '0-2G:0,2G-32G:2M,32G-:32M', apply: 'boot' },
  { ...base, mode: 'sampling', sample_interval: 100, apply: 'both' },
  { ...base, mode: 'full', sample_interval: -1, num_objects: 'auto', pool_mode: 'node', order0_page: false, slabs: { kind: 'only', names: ['kmalloc-64'] }, apply: 'runtime' },
  { ...base, mode: 'off', sample_interval: 0, apply: 'both' },
];
const plays: Play[] = specs.map((kfence, i) => ({
  name: `bench-${i}`, hosts: 'all', kfence, has_rollout: false,
  rollout: { phases: [{ kind: 'percent', percent: 100 }], forks: 50, max_fail_percentage: 0, soak_ms: 0, promote: 'auto', health: { unexpected_reboot: 'fail', kfence_bugs: 'report' } },
  reboot: { allowed: true, max_parallel: 1, timeout_ms: 600_000, stable_for_ms: 30_000 },
  source: { file: 'bench', line: 1, col: 1 },
}));

const t0 = performance.now();
const facts = Array.from({ length: HOSTS }, (_, i) => vary(examples[i % examples.length]!, i));
const tBuild = performance.now() - t0;

let peakHeap = process.memoryUsage().heapUsed;
const quarter = Math.ceil(HOSTS / plays.length);
function planAll(): { ms: number; counts: Record<string, number> } {
  const counts = { empty: 0, refused: 0, reboot: 0, steps: 0 };
  const t = performance.now();
  // One play per quarter of the fleet, like a fleet split by host pattern.
  for (const [i, play] of plays.entries()) {
    const plans = planFleet(play, facts.slice(i * quarter, (i + 1) * quarter));
    for (const p of plans) {
      if (p.refused.length) counts.refused++;
      else if (planIsEmpty(p)) counts.empty++;
      if (p.reboot.required) counts.reboot++;
      counts.steps += p.runtime.length;
    }
    peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
  }
  return { ms: performance.now() - t, counts };
}
// One warm-up, then RUNS timed runs: wall time, and this process's CPU time (user+sys, which a busy
// shared machine inflates much less than wall time) and GC pauses for each.
const RUNS = Number(process.env['PLAN_RUNS'] ?? 7);
let gcMs = 0;
const gcObserver = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) gcMs += e.duration;
});
gcObserver.observe({ entryTypes: ['gc'] });
planAll();
const runs: { ms: number; cpuMs: number; gcMs: number; counts: Record<string, number> }[] = [];
for (let r = 0; r < RUNS; r++) {
  const c0 = process.cpuUsage();
  const g0 = gcMs;
  const one = planAll();
  await new Promise((res) => setImmediate(res)); // let the GC observer report this run's pauses
  const c = process.cpuUsage(c0);
  runs.push({ ...one, cpuMs: (c.user + c.system) / 1000, gcMs: gcMs - g0 });
}
gcObserver.disconnect();
const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const times = runs.map((r) => r.ms).sort((a, b) => a - b);
const tPlan = med(times);
const counts = runs[0]!.counts;
const maxRssMiB = process.resourceUsage().maxRSS / 1024;

console.log(`hosts:        ${HOSTS} (from ${examples.length} example facts, ${plays.length} plays)`);
console.log(`build facts:  ${tBuild.toFixed(0)} ms (not part of planning)`);
console.log(`plan:         ${tPlan.toFixed(0)} ms wall (median of ${RUNS}: ${times.map((t) => t.toFixed(0)).join(', ')} ms), ${((tPlan * 1000) / HOSTS).toFixed(1)} us/host`);
console.log(`plan CPU:     ${med(runs.map((r) => r.cpuMs)).toFixed(0)} ms median per run (user+sys, GC threads included), GC pauses ${med(runs.map((r) => r.gcMs)).toFixed(0)} ms median; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs`);
console.log(`outcomes:     ${counts.empty} empty, ${counts.refused} refused, ${counts.reboot} need a reboot, ${counts.steps} runtime steps`);
console.log(`memory:       peak RSS ${maxRssMiB.toFixed(0)} MiB, peak heap used ${(peakHeap / 2 ** 20).toFixed(0)} MiB`);
