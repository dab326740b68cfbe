// The one findings read (report/kfence-read.ts): its command run in the lab's shell, its parser on
// what came back, and on recorded outputs where a part could not be read.
import assert from 'node:assert/strict';
import { kfenceReadCommand, parseKfenceRead, UNREADABLE } from '../../src/report/kfence-read.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { labSession } from './lab-session.js';
import { fixture } from './fixtures.js';

describe('report/kfence-read: stats and the kernel log in one read', function () {
  this.timeout(30_000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ mix: { 'alinux-5.10.134-17': 1, 'upstream-6.12': 1 } });
    await lab.host('lab-001').run('echo 100 > /sys/module/kfence/parameters/sample_interval');
  });
  after(async () => lab?.stop());

  it('reads total bugs and the new reports from a cursor on (alinux, root)', async () => {
    const s = labSession(lab, 'lab-001');
    const first = parseKfenceRead((await s.exec(kfenceReadCommand(null))).stdout, null);
    assert.equal(first.boot_id, lab.host('lab-001').bootId);
    assert.ok(first.log, 'the kernel log is readable');
    assert.ok(first.stats, 'stats are readable');
    assert.equal(first.log.reports.length, 0);
    assert.equal(lab.host('lab-001').inject('use-after-free'), 'reported');
    assert.equal(lab.host('lab-001').inject('invalid-free'), 'reported');
    const next = parseKfenceRead((await s.exec(kfenceReadCommand(first.log.cursor))).stdout, first.log.cursor);
    assert.deepEqual(next.log?.reports.map((r) => r.kind), ['use-after-free', 'invalid-free']);
    assert.equal(next.bugs, lab.host('lab-001').kfence().bugs);
    assert.equal(next.bugs, (first.bugs ?? 0) + 2);
  });

  it('an unprivileged reader: stats unreadable, the log still read (alinux allows dmesg)', async () => {
    const s = labSession(lab, 'lab-001', 'sre');
    const r = parseKfenceRead((await s.exec(kfenceReadCommand(null))).stdout, null);
    assert.equal(r.stats, null);
    assert.equal(r.bugs, null);
    assert.ok(r.log && r.log.reports.length >= 2, 'the reports are still seen in the kernel log');
  });

  it('both unreadable on a restricted upstream host for an unprivileged reader', async () => {
    const name = lab.hosts[1]!.name;
    const r = parseKfenceRead((await labSession(lab, name, 'sre').exec(kfenceReadCommand(null))).stdout, null);
    assert.equal(r.stats, null);
    assert.equal(r.log, null);
    assert.equal(r.boot_id, lab.host(name).bootId);
  });

  it('recorded output: a readable log with a report, stats missing', () => {
    const out = `b0a1\n12.5\n6.12.0\n@@kfleet-stats\n${UNREADABLE}\n@@kfleet-log\n${fixture('upstream-uaf-read.txt')}`;
    const r = parseKfenceRead(out, null);
    assert.equal(r.uptime_s, 12.5);
    assert.equal(r.release, '6.12.0');
    assert.equal(r.stats, null);
    assert.equal(r.log?.reports.length, 1);
  });

  it('recorded output: stats without the log', () => {
    const out = `b0a1\n12.5\n6.12.0\n@@kfleet-stats\nenabled: 1\ntotal bugs: 3\n@@kfleet-log\n${UNREADABLE}\n`;
    const r = parseKfenceRead(out, null);
    assert.equal(r.bugs, 3);
    assert.equal(r.log, null);
  });
});
