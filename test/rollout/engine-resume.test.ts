// --resume decisions of the engine after each journal state a dead controller can leave, driven
// with the scripted fake fleet: a host is never written twice, a reboot is never fired twice, a
// finished host is not touched at all.
import assert from 'node:assert/strict';
import { createJournal, readJournal, replay, journalPath, type JournalRecord, type RunState } from '../../src/rollout/journal.js';
import { FakeFleet } from './fake-fleet.js';

/** A journal as a controller would leave it when killed after `records`, and its replayed state. */
function deadRun(f: FakeFleet, run: string, records: JournalRecord[]): RunState {
  const j = createJournal(f.dir, { run, command: 'apply', playbook: { file: 'fake.yml', sha256: 'x' }, inventory: [], limit: null, play: 'p', hosts: f.names, check: false, options: {} });
  j.append({ t: 'phases', phases: [f.names] });
  j.append({ t: 'phase', index: 0, state: 'start' });
  for (const r of records) j.append(r);
  j.close();
  return replay(readJournal(journalPath(f.dir, run)));
}

describe('rollout engine: --resume after each journal state (fake ports)', () => {
  let f: FakeFleet;
  afterEach(() => f?.cleanup());

  const planned = (f: FakeFleet, host: string): JournalRecord => ({ t: 'host', host, state: 'planned', boot_id: f.host(host).bootId, fingerprint: 'x', facts_before: f.host(host).facts() });

  it('planned (nothing written yet): probed again, applied once, verified', async () => {
    f = new FakeFleet(1, { value: 100, via: 'live' });
    const st = deadRun(f, 'r-planned', [planned(f, 'h01')]);
    const s = await f.run(f.play(), { resume: st });
    assert.equal(s.results[0]!.status, 'changed');
    assert.equal(f.host('h01').writes, 1);
    assert.equal(f.journal('r-planned').hosts.get('h01')!.facts_before!.boot_id, st.hosts.get('h01')!.facts_before!.boot_id, 'the facts before the run are kept');
  });

  it('applied (live write done, not verified): verified without writing again', async () => {
    f = new FakeFleet(1, { value: 100, via: 'live' });
    const rec = planned(f, 'h01');
    f.host('h01').live = 100;
    const st = deadRun(f, 'r-applied', [rec, { t: 'host', host: 'h01', state: 'applied' }]);
    const s = await f.run(f.play(), { resume: st });
    assert.equal(s.results[0]!.status, 'changed');
    assert.equal(f.host('h01').writes, 0);
    assert.equal(s.verdict, 'converged');
  });

  it('staged (args written, reboot not fired): the reboot is fired once, nothing is written again', async () => {
    f = new FakeFleet(1);
    const rec = planned(f, 'h01');
    f.host('h01').args = 100;
    const st = deadRun(f, 'r-staged', [rec, { t: 'host', host: 'h01', state: 'staged' }]);
    const s = await f.run(f.play(), { resume: st });
    assert.equal(s.results[0]!.status, 'rebooted');
    assert.equal(f.host('h01').fires, 1);
    assert.equal(f.host('h01').writes, 0);
    assert.equal(f.host('h01').booted, 100);
  });

  const fired = (f: FakeFleet, bootId: string): JournalRecord[] => [
    { t: 'reboot', host: 'h01', stage: 'fire', boot_id_before: bootId },
    { t: 'host', host: 'h01', state: 'rebooting', boot_id: bootId },
  ];

  // A dead controller journaled `rebooting` (the fire record holds the boot id before); where the
  // host stands now decides whether the resume waits or fires. Each case: how the host is left.
  const rebootingCases: Array<{ name: string; fires: number; leave: (f: FakeFleet, run: string) => void }> = [
    { name: 'the host already on a new boot: verified, no second fire', fires: 0, leave: (f) => (f.host('h01').goDown(0), f.host('h01').tick()) },
    { name: 'the host still down: waited for, verified, no second fire', fires: 0, leave: (f) => f.host('h01').goDown(3000) },
    { name: 'same boot with the marker (going down): waited for, no second fire', fires: 0, leave: (f, run) => ((f.host('h01').marker = run), (f.host('h01').rebootAt = f.clock.t + 800)) },
    { name: 'same boot without the marker (the fire never reached the host): fired now, once', fires: 1, leave: () => {} },
  ];
  rebootingCases.forEach((c, i) => {
    it(`rebooting, ${c.name}`, async () => {
      f = new FakeFleet(1);
      const h = f.host('h01');
      const rec = planned(f, 'h01');
      const firedOn = fired(f, h.bootId);
      h.args = 100;
      const run = `r-rebooting-${i}`;
      c.leave(f, run);
      const s = await f.run(f.play(), { resume: deadRun(f, run, [rec, ...firedOn]) });
      assert.equal(s.results[0]!.status, 'rebooted');
      assert.equal(h.fires, c.fires);
      assert.equal(h.boots, 1);
      assert.equal(h.booted, 100);
    });
  });

  for (const state of ['verified', 'failed', 'refused', 'unchanged', 'pending_reboot', 'reverted', 'unreachable'] as const) {
    it(`${state} (terminal): the host is not connected to again and keeps its result`, async () => {
      f = new FakeFleet(2, { value: 100, via: 'live' });
      const st = deadRun(f, `r-${state}`, [planned(f, 'h01'), { t: 'host', host: 'h01', state, ...(state === 'failed' || state === 'unreachable' || state === 'refused' ? { error: { code: 'X', message: 'x' } } : {}) }]);
      const s = await f.run(f.play({ rollout: { max_fail_percentage: 100 } }), { resume: st });
      assert.equal(f.host('h01').connects, 0);
      assert.equal(f.host('h01').writes, 0);
      const want = { verified: 'changed', failed: 'failed', refused: 'refused', unchanged: 'ok', pending_reboot: 'pending_reboot', reverted: 'reverted', unreachable: 'unreachable' }[state];
      assert.equal(s.results.find((r) => r.host === 'h01')!.status, want);
      assert.equal(s.results.find((r) => r.host === 'h02')!.status, 'changed');
    });
  }

  it('a phase recorded done is skipped whole', async () => {
    f = new FakeFleet(2, { value: 100, via: 'live' });
    const j = createJournal(f.dir, { run: 'r-done', command: 'apply', playbook: { file: 'fake.yml', sha256: 'x' }, inventory: [], limit: null, play: 'p', hosts: f.names, check: false, options: {} });
    j.append({ t: 'phases', phases: [['h01'], ['h02']] });
    j.append({ t: 'phase', index: 0, state: 'start' });
    j.append({ t: 'phase', index: 0, state: 'done' });
    j.close();
    const s = await f.run(f.play(), { resume: replay(readJournal(journalPath(f.dir, 'r-done'))) });
    assert.equal(f.host('h01').connects, 0);
    assert.equal(f.host('h02').writes, 1);
    assert.deepEqual(f.events.filter((e) => e.type === 'phase.start').map((e) => e.type === 'phase.start' && e.phase), [2]);
    assert.equal(s.counts.untouched, 1);
  });
});
