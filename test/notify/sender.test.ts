// WebhookSender against a real HTTP receiver on 127.0.0.1: order, retries with backoff on 5xx and
// timeouts, no retry on 4xx, a bounded queue, the drain deadline, and URLs never in a message.
import assert from 'node:assert/strict';
import { drain, WebhookSender } from '../../src/notify/sender.js';
import { redactUrl, scrub } from '../../src/notify/redact.js';
import { startReceiver, type Receiver } from './receiver.js';

const SECRET = '/services/T0SECRET/B0SECRET/xoxSECRET';

describe('notify/sender (local HTTP receiver)', function () {
  this.timeout(30_000);
  let rx: Receiver | undefined;
  afterEach(async () => rx?.close());

  it('delivers in order, one request at a time, as JSON', async () => {
    rx = await startReceiver(() => ({ status: 200, delayMs: 20 }));
    const warnings: string[] = [];
    const s = new WebhookSender(rx.url(SECRET), { warn: (m) => warnings.push(m) });
    for (let i = 0; i < 5; i++) s.send(JSON.stringify({ i }));
    await s.idle();
    assert.deepEqual(rx.requests.map((r) => r.json.i), [0, 1, 2, 3, 4]);
    assert.ok(rx.requests.every((r) => r.contentType === 'application/json'));
    for (let i = 1; i < 5; i++) assert.ok(rx.requests[i]!.at - rx.requests[i - 1]!.at >= 15, 'sent one after the other');
    assert.deepEqual(s.stats, { delivered: 5, failed: 0, dropped: 0, attempts: 5 });
    assert.deepEqual(warnings, []);
  });

  it('retries 500s with growing backoff until the receiver takes the message', async () => {
    rx = await startReceiver((n) => ({ status: n < 3 ? 500 : 204 }));
    const s = new WebhookSender(rx.url(SECRET), { warn: () => {}, backoffMs: 50 });
    const t0 = Date.now();
    s.send('{"a":1}');
    await s.idle();
    assert.equal(rx.attempts(SECRET), 4);
    const gaps = rx.requests.slice(1).map((r, i) => r.at - rx!.requests[i]!.at);
    assert.ok(gaps[0]! >= 45 && gaps[1]! >= 95 && gaps[2]! >= 195, `backoff gaps ${gaps.join(', ')}`);
    assert.ok(Date.now() - t0 < 2000);
    assert.equal(s.stats.delivered, 1);
  });

  it('retries a receiver that is too slow (per-request timeout), and gives up with a warning naming only the host', async () => {
    rx = await startReceiver(() => ({ status: 200, delayMs: 400 }));
    const warnings: string[] = [];
    const s = new WebhookSender(rx.url(SECRET + '?token=QSECRET'), { warn: (m) => warnings.push(m), backoffMs: 10, timeoutMs: 100, attempts: 3 });
    s.send('{}');
    await s.idle();
    assert.equal(rx.attempts(SECRET + '?token=QSECRET'), 3);
    assert.equal(s.stats.failed, 1);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /^notify: gave up on a message to http:\/\/127\.0\.0\.1:\d+\/… after 3 attempts \(timed out\)$/);
    assert.doesNotMatch(warnings.join('\n'), /SECRET/);
  });

  it('does not retry a 4xx other than 408/429, and honours Retry-After on 429', async () => {
    rx = await startReceiver((n, path) => (path === '/gone' ? { status: 404 } : n === 0 ? { status: 429, headers: { 'retry-after': '1' } } : { status: 200 }));
    const warnings: string[] = [];
    const gone = new WebhookSender(rx.url('/gone'), { warn: (m) => warnings.push(m), backoffMs: 10 });
    const busy = new WebhookSender(rx.url('/busy'), { warn: (m) => warnings.push(m), backoffMs: 10 });
    gone.send('{}');
    busy.send('{}');
    await Promise.all([gone.idle(), busy.idle()]);
    assert.equal(rx.attempts('/gone'), 1);
    assert.match(warnings[0] ?? '', /refused a message \(HTTP 404\); not retrying/);
    const b = rx.requests.filter((r) => r.path === '/busy');
    assert.equal(b.length, 2);
    assert.ok(b[1]!.at - b[0]!.at >= 990, 'waited for Retry-After');
    assert.equal(busy.stats.delivered, 1);
  });

  it('never blocks the caller: send() returns at once against a receiver that hangs; the queue is bounded', async () => {
    rx = await startReceiver(() => 'hang');
    const warnings: string[] = [];
    const s = new WebhookSender(rx.url(SECRET), { warn: (m) => warnings.push(m), maxQueue: 10, timeoutMs: 60_000 });
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) s.send(JSON.stringify({ i }));
    assert.ok(performance.now() - t0 < 50, 'send() is synchronous queueing');
    assert.equal(s.pending, 10);
    assert.equal(s.stats.dropped, 40);
    assert.equal(warnings.filter((w) => /queue .* is full/.test(w)).length, 1, 'one warning, not one per message');
    const t1 = Date.now();
    await drain([s], 300, (m) => warnings.push(m));
    assert.ok(Date.now() - t1 < 1000, 'drain stops at its deadline');
    assert.match(warnings.at(-1)!, /^notify: 10 message\(s\) to http:\/\/127\.0\.0\.1:\d+\/… not delivered within 300 ms of the run's end$/);
    assert.doesNotMatch(warnings.join('\n'), /SECRET/);
  });

  it('an unreachable receiver: connection refused is retried, then reported without the URL', async () => {
    rx = await startReceiver();
    const url = rx.url(SECRET);
    await rx.close();
    rx = undefined;
    const warnings: string[] = [];
    const s = new WebhookSender(url, { warn: (m) => warnings.push(m), backoffMs: 5, attempts: 3 });
    s.send('{}');
    await s.idle();
    assert.equal(s.stats.attempts, 3);
    assert.match(warnings[0] ?? '', /after 3 attempts \(fetch failed: ECONNREFUSED\)/);
    assert.doesNotMatch(warnings.join('\n'), /SECRET/);
  });

  it('redacts: a URL is named by scheme, host and port; scrub removes path, query and user info', () => {
    assert.equal(redactUrl('https://hooks.slack.com/services/T0/B0/x'), 'https://hooks.slack.com/…');
    assert.equal(redactUrl('http://user:pw@127.0.0.1:8080/x?token=y'), 'http://127.0.0.1:8080/…');
    const u = 'https://bob:pa55word@hooks.example.com/hook/abcdef?token=zzz123';
    const s = scrub(`POST ${u} failed; path /hook/abcdef; q ?token=zzz123; pw pa55word`, u);
    assert.doesNotMatch(s, /abcdef|zzz123|pa55word/);
    assert.match(s, /hooks\.example\.com/);
  });
});
