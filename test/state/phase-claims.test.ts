// The pure decisions of several controllers on one run, from a replayed shared journal: which phase
// workers may claim hosts in (the one whose last record is its start), and the in-phase breaker
// counted from every controller's failures.
import assert from 'node:assert/strict';
import type { Play } from '../../src/playbook/types.js';
import { replay, type JournalRecord, type RunMeta, type Stamped } from '../../src/rollout/journal.js';
import { sharedBreaker } from '../../src/rollout/phase-claims.js';
import { convergingPhase } from '../../src/rollout/worker-run.js';

const meta: RunMeta = { run: 'r', command: 'apply', playbook: { file: 'p.yml', sha256: 'x' }, inventory: [], limit: null, play: 'p', hosts: ['a', 'b', 'c', 'd'], check: false, options: {} };
const stateOf = (...recs: JournalRecord[]) => replay([{ t: 'run', ...meta }, ...recs].map((r, i) => ({ ...r, seq: i + 1, ts: 't' }) as Stamped));
const rollout = (over: Partial<Play['rollout']>) => ({ max_fail_percentage: 100, ...over }) as Play['rollout'];

describe('several controllers: decisions from the shared journal', () => {
  it('workers converge only the phase the leader started and has not moved on from', () => {
    const phases: JournalRecord = { t: 'phases', phases: [['a'], ['b', 'c', 'd']] };
    assert.equal(convergingPhase(stateOf()), -1, 'phases not planned yet');
    assert.equal(convergingPhase(stateOf(phases)), -1, 'no phase started');
    assert.equal(convergingPhase(stateOf(phases, { t: 'phase', index: 0, state: 'start' })), 0);
    assert.equal(convergingPhase(stateOf(phases, { t: 'phase', index: 0, state: 'start' }, { t: 'phase', index: 0, state: 'applied' })), -1, 'soaking: the leader\'s');
    assert.equal(convergingPhase(stateOf(phases, { t: 'phase', index: 0, state: 'done' }, { t: 'phase', index: 1, state: 'start' })), 1);
    // A resumed leader starts an unfinished phase again.
    assert.equal(convergingPhase(stateOf(phases, { t: 'phase', index: 1, state: 'start' }, { t: 'phase', index: 1, state: 'soak' }, { t: 'phase', index: 1, state: 'start' })), 1);
    assert.equal(convergingPhase(stateOf(phases, { t: 'phase', index: 0, state: 'start' }, { t: 'end', verdict: 'aborted', exit_code: 6 })), -1, 'ended');
  });

  it('trips the breaker on failures recorded by any controller, counting only failed states', () => {
    const fail = (host: string): JournalRecord => ({ t: 'host', host, state: 'failed', error: { code: 'X', message: 'x' } });
    const phase = ['b', 'c', 'd'];
    assert.equal(sharedBreaker(rollout({ max_failed_hosts: 1 }), phase, stateOf(fail('b'))).tripped(), null, 'one failure is within a budget of one');
    assert.match(sharedBreaker(rollout({ max_failed_hosts: 1 }), phase, stateOf(fail('b'), fail('a'))).tripped() ?? '', /max_failed_hosts/, 'the run budget counts hosts of earlier phases');
    assert.match(sharedBreaker(rollout({ max_fail_percentage: 40 }), phase, stateOf(fail('b'), fail('c'))).tripped() ?? '', /max_fail_percentage/);
    assert.equal(sharedBreaker(rollout({ max_fail_percentage: 40 }), phase, stateOf(fail('a'), { t: 'host', host: 'c', state: 'verified' }, { t: 'host', host: 'd', state: 'staged' })).tripped(), null, 'a failure outside the phase does not count for the phase budget');
  });
});
