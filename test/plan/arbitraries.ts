// fast-check generators: consistent current host states (booted through the model with random
// kfence args, then changed at runtime and in grubby) and random desired specs.

import fc from 'fast-check';
import type { HostFacts } from '../../src/facts/types.js';
import type { KfenceSpec } from '../../src/playbook/types.js';
import { FIXTURES, facts, spec as mkSpec } from './helpers.js';
import { grubbyEdit, modelFrom, reboot, sysfsWrite, type ModelHost } from './model.js';

const BM = ['0-2G:0,2G-32G:2M,32G-:32M', '0-:1M', '0-128M:0,128M-:32M', '2G-1G:1M'];
const P = '/sys/module/kfence/parameters/';

const token = (key: string, values: string[]) => fc.option(fc.constantFrom(...values), { nil: undefined }).map((v) => (v === undefined ? null : `kfence.${key}=${v}`));

export const bootTokens = fc
  .tuple(
    token('sample_interval', ['0', '100', '5', '-1']),
    token('num_objects', ['255', '1023', '131071', '1000000']),
    token('pool_mode', ['global', 'node']),
    token('order0_page', ['0', '1']),
    token('fault', ['report', 'panic']),
    token('booting_max', BM),
  )
  .map((ts) => ts.filter((t): t is string => t !== null));

const runtimeWrite = fc.oneof(
  fc.record({ path: fc.constant(`${P}sample_interval`), value: fc.constantFrom('0', '100', '7', '-1') }),
  fc.record({ path: fc.constant(`${P}num_objects`), value: fc.constantFrom('255', '4095', '131071', '262142') }),
  fc.record({ path: fc.constant(`${P}pool_mode`), value: fc.constantFrom('global', 'node') }),
  fc.record({ path: fc.constant(`${P}order0_page`), value: fc.constantFrom('0', '1') }),
  fc.record({ path: fc.constant(`${P}fault`), value: fc.constantFrom('report', 'panic') }),
  fc.record({ path: fc.constantFrom('kmalloc-64', 'dentry', ':0000256', 'kmalloc-256'), value: fc.constantFrom('0', '1') }).map((w) => ({ path: `/sys/kernel/slab/${w.path}/`, value: w.value })),
);

export interface State {
  m: ModelHost;
}

function strip(args: string): string {
  return args.split(/\s+/).filter((w) => w && !w.startsWith('kfence.') && !w.startsWith('BOOT_IMAGE=')).join(' ');
}

export const hostState = fc
  .record({
    fixture: fc.constantFrom(...FIXTURES),
    boot: bootTokens,
    writes: fc.array(runtimeWrite, { maxLength: 4 }),
    grubbyAfter: fc.option(bootTokens, { nil: undefined }),
    privileged: fc.boolean().map((b) => b || Math.random() < 0.9),
    host: fc.constantFrom('h1', 'h2'),
  })
  .map((r) => {
    const f: HostFacts = facts(r.fixture);
    f.host = r.host;
    f.privileged = r.privileged;
    let m = modelFrom(f);
    const def = m.f.grubby.entries.find((e) => e.kernel === m.f.grubby.default_kernel);
    if (def && f.kfence.present) {
      def.args = [strip(def.args), ...r.boot].join(' ');
      m = reboot(m);
    }
    for (const w of r.writes) {
      if (!f.kfence.present) break;
      const path = w.path.endsWith('/') ? `${w.path}${Object.values(m.f.slabs)[0]?.control ?? 'kfence_enable'}` : w.path;
      try {
        sysfsWrite(m, path, w.value);
      } catch {
        /* the kernel said no: the state stays consistent */
      }
    }
    if (r.grubbyAfter && def) {
      const entry = m.f.grubby.entries.find((e) => e.kernel === def.kernel);
      if (entry) entry.args = grubbyEdit(strip(entry.args), r.grubbyAfter, []);
    }
    return { m, fixture: r.fixture };
  });

export const desiredSpec = fc
  .record({
    mode: fc.constantFrom('off', 'sampling', 'full'),
    interval: fc.constantFrom(100, 5, 250),
    num_objects: fc.option(fc.constantFrom<number | 'auto'>(255, 1023, 131071, 1_000_000, 'auto'), { nil: undefined }),
    pool_mode: fc.option(fc.constantFrom<'global' | 'node'>('global', 'node'), { nil: undefined }),
    order0_page: fc.option(fc.boolean(), { nil: undefined }),
    fault: fc.option(fc.constantFrom<'report' | 'panic'>('report', 'panic'), { nil: undefined }),
    slabs: fc.oneof(
      fc.constant({ kind: 'all' as const, names: [] as string[] }),
      fc.record({ kind: fc.constantFrom<'only' | 'except'>('only', 'except'), names: fc.subarray(['kmalloc-64', 'eventpoll_pwq', 'dentry', 'kmalloc-256', 'task_struct'], { minLength: 1 }) }),
      fc.constant({ kind: 'only' as const, names: ['no-such-cache'] as string[] }),
    ),
    booting_max: fc.option(fc.constantFrom<string | null>(null, ...BM.slice(0, 3)), { nil: undefined }),
    apply: fc.constantFrom<'runtime' | 'boot' | 'both'>('runtime', 'boot', 'both'),
    budget: fc.option(fc.constantFrom(10, 50), { nil: undefined }),
  })
  .map((r): KfenceSpec => {
    const k: Partial<KfenceSpec> = {
      mode: r.mode as KfenceSpec['mode'],
      sample_interval: r.mode === 'off' ? 0 : r.mode === 'full' ? -1 : r.interval,
      slabs: r.slabs,
      apply: r.apply,
      acknowledge_panic: r.fault === 'panic',
    };
    if (r.num_objects !== undefined) k.num_objects = r.num_objects;
    if (r.pool_mode !== undefined) k.pool_mode = r.pool_mode;
    if (r.order0_page !== undefined) k.order0_page = r.order0_page;
    if (r.fault !== undefined) k.fault = r.fault;
    if (r.booting_max !== undefined) k.booting_max = r.booting_max;
    if (r.budget !== undefined) k.memory_budget = { percent: r.budget };
    return mkSpec(k);
  });
