// A small run journal for pure tests of what is drawn or shown from a journal: three hosts (one
// with a hostile name), two phases, a reboot, a soak, a finding, a halt.
import type { JournalRecord, Stamped } from '../../src/rollout/journal.js';

export const T0 = Date.parse('2026-12-03T10:00:00Z');
export const EVIL = 'evil"><script>alert(1)</script>';

export function journal(): Stamped[] {
  const recs: Array<[number, JournalRecord]> = [
    [0, { t: 'run', run: 'R1', command: 'apply', playbook: { file: 'p.yml', sha256: 'x' }, inventory: [], limit: null, play: 'web', hosts: ['a', 'b', EVIL], check: false, options: {} }],
    [1, { t: 'phases', phases: [['a'], ['b', EVIL]] }],
    [1, { t: 'host', host: 'a', state: 'planned' }],
    [2, { t: 'phase', index: 0, state: 'start' }],
    [3, { t: 'host', host: 'a', state: 'staged' }],
    [4, { t: 'reboot', host: 'a', stage: 'fire' }],
    [4, { t: 'host', host: 'a', state: 'rebooting' }],
    [20, { t: 'reboot', host: 'a', stage: 'up' }],
    [21, { t: 'host', host: 'a', state: 'verified' }],
    [22, { t: 'phase', index: 0, state: 'soak' }],
    [30, { t: 'finding', host: 'a', phase: 1, summary: 'BUG: KFENCE: use-after-free read in <f>' }],
    [40, { t: 'phase', index: 0, state: 'done' }],
    [41, { t: 'phase', index: 1, state: 'start' }],
    [42, { t: 'host', host: 'b', state: 'failed', error: { code: 'X', message: 'no' } }],
    [43, { t: 'host', host: EVIL, state: 'unreachable' }],
    [50, { t: 'phase', index: 1, state: 'halted', reason: 'budget' }],
    [60, { t: 'end', verdict: 'halted', exit_code: 1 }],
  ];
  return recs.map(([s, r], i) => ({ ...r, seq: i + 1, ts: new Date(T0 + s * 1000).toISOString() }) as Stamped);
}
