// NoticeMaker: which bus events become webhook messages, for one play's run.
import assert from 'node:assert/strict';
import type { KfleetEvent } from '../../src/events.js';
import { NoticeMaker, payload } from '../../src/notify/messages.js';

const ts = '2026-12-03T10:00:00.000Z';
const ev = (e: KfleetEvent): KfleetEvent => ({ ts, ...e });

describe('notify/messages', () => {
  it('maps run start, phase done, halt, revert, new finding (once per host and signature) and verdict', () => {
    const m = new NoticeMaker('web');
    const stream: KfleetEvent[] = [
      ev({ type: 'phase.end', run: 'R0', phase: 1, failed: 0, touched: 1, verdict: 'passed' }), // before the run: ignored
      ev({ type: 'run.start', run: 'R1', command: 'apply', hosts: 3, check: false }),
      ev({ type: 'host.result', host: 'a', status: 'changed', pending_reboot: false }),
      ev({ type: 'phase.end', run: 'R1', phase: 1, failed: 0, touched: 1, verdict: 'passed' }),
      ev({ type: 'host.finding', host: 'b', signature: 's1', kind: 'use-after-free', summary: 'BUG: KFENCE: use-after-free read in f' }),
      ev({ type: 'host.finding', host: 'b', signature: 's1', kind: 'use-after-free', summary: 'BUG: KFENCE: use-after-free read in f' }),
      ev({ type: 'host.finding', host: 'c', signature: 's1', kind: 'use-after-free', summary: 'BUG: KFENCE: use-after-free read in f' }),
      ev({ type: 'host.result', host: 'b', status: 'reverted', pending_reboot: false, error: { code: 'BOOT_LOOP', message: 'boot loop' } }),
      ev({ type: 'phase.end', run: 'R1', phase: 2, failed: 1, touched: 2, verdict: 'halted' }),
      ev({ type: 'run.end', run: 'R1', verdict: 'halted', exit_code: 1, summary: { changed: 1, reverted: 1, untouched: 1, failed: 0 } }),
      ev({ type: 'phase.end', run: 'R1', phase: 3, failed: 0, touched: 0, verdict: 'passed' }), // after: ignored
    ];
    const out = stream.map((e) => m.take(e)).filter((n) => n !== null);
    assert.deepEqual(out.map((n) => n.event), ['run.start', 'phase.done', 'finding', 'finding', 'revert', 'halt', 'verdict']);
    assert.ok(out.every((n) => n.run === 'R1' && n.play === 'web' && n.ts === ts));
    assert.equal(out[6]!.text, 'kfleet run R1 ended: halted (exit 1; changed 1, reverted 1, untouched 1) (play "web")');
    assert.match(out[4]!.text, /^kfleet reverted b: boot loop/);
  });

  it('renders Slack-compatible {text} and plain JSON with the facts', () => {
    const m = new NoticeMaker('web');
    m.take(ev({ type: 'run.start', run: 'R1', command: 'apply', hosts: 3, check: false }));
    const n = m.take(ev({ type: 'phase.end', run: 'R1', phase: 2, failed: 1, touched: 2, verdict: 'halted' }))!;
    assert.deepEqual(JSON.parse(payload(n, 'slack')), { text: 'kfleet HALTED after phase 2: 1 host(s) failed (play "web", run R1)' });
    assert.deepEqual(JSON.parse(payload(n, 'json')), { source: 'kfleet', event: 'halt', run: 'R1', play: 'web', ts, text: n.text, phase: 2, failed: 1, touched: 2 });
  });
});
