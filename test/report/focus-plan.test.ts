// report/focus-plan.ts from builders: the finding picked by title, the cohort's hosts (those that
// reported it first), the generated play.
import assert from 'node:assert/strict';
import { parse } from 'yaml';
import { buildFindings } from '../../src/report/findings.js';
import { focusPlaybook, focusTarget, pickFinding, FocusError } from '../../src/report/focus-plan.js';
import { demoFleet } from './demo-fleet.js';

describe('report/focus-plan', () => {
  const findings = buildFindings(demoFleet());
  const releaseOf = new Map(demoFleet().map((h) => [h.host, h.release!]));
  const inventory = demoFleet().map((h) => h.host);

  it('picks by exact title or a unique part, and refuses what is ambiguous or absent', () => {
    assert.equal(pickFinding(findings, 'KFENCE: use-after-free read in tcp_retransmit_timer').count, 4);
    assert.equal(pickFinding(findings, 'tcp_retransmit_timer').count, 4);
    assert.throws(() => pickFinding(findings, 'KFENCE: '), FocusError);
    assert.throws(() => pickFinding(findings, 'nothing like it'), /no finding titled/);
  });

  it('chooses hosts of the cohort, those that reported it first, and writes a runtime full-mode play on the cache', () => {
    const f = pickFinding(findings, 'tcp_retransmit_timer');
    const t = focusTarget(f, inventory, releaseOf, 4);
    assert.equal(t.release, '5.10.134-17.al8.x86_64');
    assert.deepEqual(t.hosts, ['web-01', 'web-02', 'web-03', 'cache-01']);
    assert.ok(t.hosts.every((h) => releaseOf.get(h) === t.release));
    const play = parse(focusPlaybook(t, '15m')) as { hosts: string; kfence: Record<string, unknown>; rollout: { soak: string }; reboot: { allowed: boolean } };
    assert.equal(play.hosts, 'web-01,web-02,web-03,cache-01');
    assert.deepEqual(play.kfence['slabs'], { only: [t.cache] });
    assert.equal(play.kfence['mode'], 'full');
    assert.equal(play.kfence['apply'], 'runtime');
    assert.equal(play.rollout.soak, '15m');
    assert.equal(play.reboot.allowed, false);
  });

  it('refuses a finding without a slab cache (an order-0 page object)', () => {
    const page = findings.find((f) => f.example_report.object?.cache === 'PAGE');
    assert.ok(page, 'the demo fleet has a page object report');
    assert.throws(() => focusTarget(page, inventory, releaseOf, 2), /no slab cache/);
  });
});
