// attachNotify: webhooks from the play and from --notify, `events:` filters, input errors before
// anything runs, and the drain after the run's end.
import assert from 'node:assert/strict';
import { EventBus } from '../../src/events.js';
import { isKfleetError } from '../../src/errors.js';
import { attachNotify } from '../../src/notify/attach.js';
import { parsePlaybook } from '../../src/playbook/load.js';
import { startReceiver } from './receiver.js';

const play = (notify: string) => parsePlaybook(`hosts: web\nkfence: {mode: sampling}\n${notify}`, 'p.yml').plays[0]!;

describe('notify/attach', function () {
  this.timeout(20_000);

  it('sends each webhook only its events, and drains after run.end', async () => {
    const rx = await startReceiver();
    try {
      const bus = new EventBus();
      const p = play('notify:\n  - url: {env: HOOK_A}\n    events: [verdict]\n    format: slack\n');
      const h = attachNotify(bus, p, { notify: [rx.url('/b')], notifyFormat: 'json' }, { env: { HOOK_A: rx.url('/a') } })!;
      bus.emit({ type: 'run.start', run: 'R', command: 'apply', hosts: 1, check: false });
      bus.emit({ type: 'phase.end', run: 'R', phase: 1, failed: 0, touched: 1, verdict: 'passed' });
      bus.emit({ type: 'run.end', run: 'R', verdict: 'converged', exit_code: 0, summary: { changed: 1 } });
      await h.finished;
      assert.deepEqual(rx.requests.filter((q) => q.path === '/a').map((q) => Object.keys(q.json)), [['text']]);
      assert.deepEqual(rx.requests.filter((q) => q.path === '/b').map((q) => q.json.event), ['run.start', 'phase.done', 'verdict']);
      bus.emit({ type: 'run.start', run: 'R2', command: 'apply', hosts: 1, check: false });
      assert.equal(rx.requests.length, 4, 'detached after its run ended');
    } finally {
      await rx.close();
    }
  });

  it('refuses an unset {env} and a bad --notify before anything runs, without echoing the URL', () => {
    const bus = new EventBus();
    assert.equal(attachNotify(bus, play('')), null);
    assert.throws(() => attachNotify(bus, play('notify: [{url: {env: NOPE_UNSET}}]\n'), {}, { env: {} }), (e: unknown) => isKfleetError(e) && e.code === 'NOTIFY_ENV_UNSET' && /\$NOPE_UNSET, which is not set/.test(e.message));
    assert.throws(() => attachNotify(bus, play('notify: [{url: {env: H}}]\n'), {}, { env: { H: 'not a url /secret' } }), (e: unknown) => isKfleetError(e) && !e.message.includes('secret'));
    assert.throws(() => attachNotify(bus, play(''), { notify: ['ftp://x/secret'] }), (e: unknown) => isKfleetError(e) && e.code === 'USAGE' && !e.message.includes('secret'));
    assert.throws(() => attachNotify(bus, play(''), { notify: ['https://x/y'], notifyFormat: 'teams' }), /--notify-format must be one of slack, json/);
  });
});
