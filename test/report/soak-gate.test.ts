// The kfence_bugs soak gate's reading (rollout/soak.ts with report/kfence-read.ts), against lab
// hosts whose kernel log and debugfs stats are readable or not: a new report counts whether or
// not stats is readable, a host the gate cannot observe is reported as such, and the finding's
// signature is the one `kfleet report` gives the same bug.
import assert from 'node:assert/strict';
import { EventBus, type KfleetEvent } from '../../src/events.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { buildFindings } from '../../src/report/findings.js';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import type { RunContext } from '../../src/rollout/context.js';
import { baseline, soak, type Watched } from '../../src/rollout/soak.js';
import { labSession } from './lab-session.js';

function context(lab: Lab, user: 'root' | 'sre', policy: 'fail' | 'report', events: KfleetEvent[]): RunContext {
  const bus = new EventBus();
  bus.on((e) => events.push(e));
  return {
    play: { rollout: { health: { unexpected_reboot: 'fail', kfence_bugs: policy } } },
    pool: { get: async (h: string) => labSession(lab, h, user), drop: async () => {} },
    ports: { now: () => Date.now(), sleep: (ms: number) => new Promise((r) => setTimeout(r, ms)) },
    bus,
    commandTimeoutMs: 10_000,
  } as unknown as RunContext;
}

describe('rollout/soak: the kfence_bugs gate reads findings with report/kfence-read', function () {
  this.timeout(30_000);
  let lab: Lab;
  beforeEach(async () => {
    lab = await startLab({ mix: { 'alinux-5.10.134-17': 1, 'upstream-6.12': 1 } });
    await lab.host('lab-001').run('echo 100 > /sys/module/kfence/parameters/sample_interval');
  });
  afterEach(async () => lab?.stop());

  for (const policy of ['fail', 'report'] as const) {
    it(`a new report counts though debugfs stats is unreadable (kfence_bugs: ${policy})`, async () => {
      const events: KfleetEvent[] = [];
      const ctx = context(lab, 'sre', policy, events);
      const w = (await baseline(ctx, 'lab-001')) as Watched;
      assert.ok(w, 'baseline read');
      assert.equal(w.bugs, null, 'stats are not readable for sre');
      assert.equal(lab.host('lab-001').inject('use-after-free'), 'reported');
      const [v] = await soak(ctx, [w], 0, 1, () => false);
      const finding = events.filter((e) => e.type === 'host.finding');
      assert.equal(finding.length, 1, JSON.stringify(events));
      // The witness: the lab kernel counted one bug, and `kfleet report`'s units name it the same.
      assert.equal(lab.host('lab-001').kfence().bugs, 1);
      const log = parseDmesg((await lab.host('lab-001').run('dmesg')).stdout);
      const [f] = buildFindings([{ host: 'lab-001', reports: log.reports }]);
      assert.equal((finding[0] as { signature: string }).signature, f?.signature);
      assert.equal(v?.ok, policy === 'report');
      if (policy === 'fail') assert.equal(v?.error?.code, 'KFENCE_FINDING');
      assert.equal(events.some((e) => e.type === 'host.health' && e.check === 'kfence_bugs'), false, 'the host is observable');
    });
  }

  it('stats and log both readable: one bug is one finding, not two', async () => {
    const events: KfleetEvent[] = [];
    const ctx = context(lab, 'root', 'fail', events);
    const w = (await baseline(ctx, 'lab-001')) as Watched;
    assert.equal(typeof w.bugs, 'number');
    lab.host('lab-001').inject('invalid-free');
    const [v] = await soak(ctx, [w], 0, 1, () => false);
    assert.equal(events.filter((e) => e.type === 'host.finding').length, 1);
    assert.match(v?.error?.message ?? '', /reported 1 new bug/);
  });

  it('reports present before the baseline are not new findings', async () => {
    lab.host('lab-001').inject('use-after-free');
    const events: KfleetEvent[] = [];
    const ctx = context(lab, 'root', 'fail', events);
    const w = (await baseline(ctx, 'lab-001')) as Watched;
    const [v] = await soak(ctx, [w], 0, 1, () => false);
    assert.equal(v?.ok, true);
    assert.equal(events.filter((e) => e.type === 'host.finding').length, 0);
  });

  for (const policy of ['fail', 'report'] as const) {
    it(`a host whose gate can observe nothing is reported blind, never silently passed (kfence_bugs: ${policy})`, async () => {
      const name = lab.hosts[1]!.name;
      const events: KfleetEvent[] = [];
      const ctx = context(lab, 'sre', policy, events);
      const w = (await baseline(ctx, name)) as Watched;
      const [v] = await soak(ctx, [w], 600, 1, () => false);
      const blind = events.filter((e) => e.type === 'host.health' && e.check === 'kfence_bugs');
      assert.equal(blind.length, 1, 'reported once per soak, not per check');
      assert.equal((blind[0] as { ok: boolean }).ok, false);
      assert.match((blind[0] as { detail: string }).detail, /cannot observe KFENCE/);
      if (policy === 'fail') assert.equal(v?.error?.code, 'KFENCE_GATE_BLIND');
      else assert.equal(v?.ok, true);
    });
  }
});
