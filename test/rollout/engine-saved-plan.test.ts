// A saved plan is admitted wherever a host is about to be written: in the probe phase, when a
// later phase probes its hosts again, and on --resume. Driven with the scripted fake fleet.
import assert from 'node:assert/strict';
import { EXIT } from '../../src/errors.js';
import { createJournal, journalPath, readJournal, replay } from '../../src/rollout/journal.js';
import { savedPlanAdmission } from '../../src/rollout/saved-plan.js';
import { FakeFleet, fakePlan } from './fake-fleet.js';

const twoPhases = [{ kind: 'count' as const, count: 1 }, { kind: 'count' as const, count: 1 }];

describe('rollout engine: a saved plan in every phase and on resume (fake ports)', () => {
  let f: FakeFleet;
  afterEach(() => f?.cleanup());

  const save = (f: FakeFleet) => savedPlanAdmission(new Map(f.hosts.map((h) => [h.name, fakePlan(f.want, h.facts())])));

  it('a host changed by hand during the canary\'s soak is refused PLAN_STALE in phase 2, never written', async () => {
    f = new FakeFleet(2, { value: 100, via: 'live' });
    const admit = save(f);
    f.bus.on((e) => {
      if (e.type === 'phase.soak' && e.phase === 1) f.host('h02').byHand(7);
    });
    const s = await f.run(f.play({ rollout: { phases: twoPhases, soak_ms: 1000 } }), { admit });
    assert.equal(s.results.find((r) => r.host === 'h01')!.status, 'changed');
    const r = s.results.find((x) => x.host === 'h02')!;
    assert.equal(r.status, 'refused');
    assert.equal(r.error?.code, 'PLAN_STALE');
    assert.equal(f.host('h02').writes, 0);
    assert.equal(f.host('h02').live, 7, 'left as the hand made it');
    assert.equal(s.verdict, 'refused');
    assert.equal(s.exitCode, EXIT.REFUSED);
    assert.equal(f.journal(s.run).hosts.get('h02')!.error?.code, 'PLAN_STALE');
  });

  it('without a saved plan the same host is planned afresh (the difference the admission makes)', async () => {
    f = new FakeFleet(2, { value: 100, via: 'live' });
    f.bus.on((e) => {
      if (e.type === 'phase.soak' && e.phase === 1) f.host('h02').byHand(7);
    });
    const s = await f.run(f.play({ rollout: { phases: twoPhases, soak_ms: 1000 } }));
    assert.equal(s.verdict, 'converged');
    assert.equal(f.host('h02').live, 100);
  });

  it('in the probe phase too: a host that moved before the run is refused, the others are applied', async () => {
    f = new FakeFleet(2, { value: 100, via: 'live' });
    const admit = save(f);
    f.host('h01').byHand(9);
    const s = await f.run(f.play(), { admit });
    assert.equal(s.results.find((r) => r.host === 'h01')!.error?.code, 'PLAN_STALE');
    assert.equal(f.host('h01').writes, 0);
    assert.equal(f.host('h02').live, 100);
  });

  it('on --resume: a host not yet written that moved is refused; a host kfleet already wrote goes on', async () => {
    f = new FakeFleet(2, { value: 100, via: 'boot' });
    const admit = save(f);
    const j = createJournal(f.dir, { run: 'r-saved', command: 'apply', playbook: { file: 'fake.yml', sha256: 'x' }, inventory: [], limit: null, play: 'p', hosts: f.names, check: false, options: { plan: '/tmp/plan.json' } });
    j.append({ t: 'phases', phases: [f.names] });
    j.append({ t: 'phase', index: 0, state: 'start' });
    for (const h of f.hosts) j.append({ t: 'host', host: h.name, state: 'planned', boot_id: h.bootId, fingerprint: 'x', facts_before: h.facts() });
    // h01: kfleet wrote its args and died before the reboot; h02: planned, then changed by hand.
    f.host('h01').args = 100;
    j.append({ t: 'host', host: 'h01', state: 'staged' });
    j.close();
    f.host('h02').byHand(5);
    const s = await f.run(f.play(), { resume: replay(readJournal(journalPath(f.dir, 'r-saved'))), admit });
    assert.equal(s.results.find((r) => r.host === 'h01')!.status, 'rebooted');
    assert.equal(s.results.find((r) => r.host === 'h02')!.error?.code, 'PLAN_STALE');
    assert.equal(f.host('h02').writes, 0);
    assert.equal(f.host('h02').fires, 0);
  });
});
