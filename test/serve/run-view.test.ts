// runView: what the dashboard shows of a run, from its journal and the play's limits. Pure.
import assert from 'node:assert/strict';
import { runSummary, runView } from '../../src/serve/run-view.js';
import { EVIL, T0, journal } from '../support/journal-builder.js';

const limits = { max_fail_percentage: 20, max_failed_hosts: 1, soak_ms: 5000, promote: 'auto' as const, health: { unexpected_reboot: 'fail', kfence_bugs: 'report' } };

describe('serve/run-view', () => {
  it('an ended run: phases with failures against the budget, soak gates, host states and reboots, findings', () => {
    const v = runView(journal(), limits, T0 + 999_000);
    assert.deepEqual([v.run, v.play, v.verdict, v.exit_code, v.ended, v.waiting_promote], ['R1', 'web', 'halted', 1, new Date(T0 + 60_000).toISOString(), null]);
    assert.deepEqual(
      v.phases.map((p) => [p.phase, p.hosts.length, p.state, p.failed, p.failed_percent, p.max_fail_percentage, p.soak && [p.soak.ms, p.soak.started !== null, p.soak.done]]),
      [
        [1, 1, 'done', 0, 0, 20, [5000, true, true]],
        [2, 2, 'halted', 2, 100, 20, [5000, false, true]],
      ],
    );
    assert.deepEqual(v.budget, { failed: 2, max_failed_hosts: 1 });
    assert.deepEqual(v.hosts.map((h) => [h.host, h.phase, h.state, h.rebooted, h.reboots.map((r) => r.stage), h.error]), [
      ['a', 1, 'verified', true, ['fire', 'up'], null],
      ['b', 2, 'failed', false, [], 'X: no'],
      [EVIL, 2, 'unreachable', false, [], null],
    ]);
    assert.deepEqual(v.findings.map((f) => [f.host, f.phase]), [['a', 1]]);
    assert.ok(v.timeline_svg.startsWith('<svg') && !v.timeline_svg.includes('<script'));
  });

  it('a run still going: where it stands, waiting for promotion, without limits when the playbook is gone', () => {
    const recs = journal().slice(0, 10);
    const waiting = [...recs, { t: 'phase' as const, index: 0, state: 'wait_promote' as const, seq: 11, ts: new Date(T0 + 23_000).toISOString() }];
    const v = runView(waiting, null, T0 + 25_000);
    assert.equal(v.verdict, null);
    assert.equal(v.waiting_promote, 1);
    assert.equal(v.phase, 'phase 1/2: wait promote');
    assert.equal(v.phases[0]!.max_fail_percentage, null);
    assert.deepEqual(v.phases[0]!.soak && [v.phases[0]!.soak.started !== null, v.phases[0]!.soak.done], [true, true]);
    assert.equal(v.phases[1]!.state, 'pending');
    assert.equal(v.hosts[1]!.state, 'waiting');
    assert.deepEqual(runSummary(waiting), { run: 'R1', play: 'web', command: 'apply', started: new Date(T0).toISOString(), host_count: 3, verdict: null, phase: 'phase 1/2: wait promote' });
  });
});
