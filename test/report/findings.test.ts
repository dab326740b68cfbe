import assert from 'node:assert/strict';
import fc from 'fast-check';
import { findingEvents } from '../../src/report/finding-events.js';
import { buildFindings, filterSince, normalizeSymbol, reportSignature } from '../../src/report/findings.js';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import type { HostReports, KfenceReport } from '../../src/report/types.js';
import { fixture } from './fixtures.js';

const reportsOf = (...names: string[]): KfenceReport[] => names.flatMap((n) => parseDmesg(fixture(n)).reports);

/** The same bug seen on another host: other addresses, offsets shifted by a rebuild, other timestamps. */
function elsewhere(text: string): string {
  return text
    .replace(/0x[0-9a-f]{16}/g, (m) => `0x00000000${m.slice(-8).split('').reverse().join('')}`)
    .replace(/\+0x([0-9a-f]+)\//g, (_m, o: string) => `+0x${(parseInt(o, 16) + 16).toString(16)}/`)
    .replace(/^\[ *(\d+)\.(\d+)\]/gm, (_m, s: string, us: string) => `[${String(Number(s) + 500).padStart(5)}.${us}]`);
}

function fleet(): HostReports[] {
  return [
    { host: 'web-02', release: '5.10.134-17.al8.x86_64', boot_time: '2026-11-25T08:00:00.000Z', reports: reportsOf('alinux-uaf-read.txt', 'alinux-oob-read-left.txt') },
    { host: 'web-01', release: '5.10.134-17.al8.x86_64', boot_time: '2026-11-25T09:00:00.000Z', reports: parseDmesg(elsewhere(fixture('alinux-uaf-read.txt'))).reports },
    { host: 'db-07', release: '5.10.134-16.al8.x86_64', boot_time: '2026-11-24T00:00:00.000Z', reports: [...reportsOf('alinux-uaf-read.txt'), ...parseDmesg(elsewhere(fixture('alinux-uaf-read.txt'))).reports] },
    { host: 'idle-01', release: '6.12.117+deb12-amd64', reports: [] },
  ];
}

describe('report/findings', () => {
  it('the same bug on several hosts is one finding with per-host counts, times and releases', () => {
    const fs = buildFindings(fleet());
    assert.equal(fs.length, 2);
    const [uaf, oob] = fs;
    assert.ok(uaf && oob);
    assert.equal(uaf.kind, 'use-after-free');
    assert.equal(uaf.title, 'KFENCE: use-after-free read in tcp_retransmit_timer');
    assert.deepEqual(uaf.alt_titles, ['bad-access in tcp_retransmit_timer']);
    assert.equal(uaf.count, 4);
    assert.deepEqual(
      uaf.hosts.map((h) => [h.host, h.count, h.release]),
      [
        ['db-07', 2, '5.10.134-16.al8.x86_64'],
        ['web-01', 1, '5.10.134-17.al8.x86_64'],
        ['web-02', 1, '5.10.134-17.al8.x86_64'],
      ],
    );
    assert.deepEqual(uaf.releases, ['5.10.134-16.al8.x86_64', '5.10.134-17.al8.x86_64']);
    assert.equal(uaf.hosts[0]?.first_seen, '2026-11-24T00:12:25.200Z');
    assert.equal(uaf.hosts[0]?.last_seen, '2026-11-24T00:20:45.200Z');
    assert.equal(uaf.first_seen, '2026-11-24T00:12:25.200Z');
    assert.equal(uaf.last_seen, '2026-11-25T09:20:45.200Z');
    assert.deepEqual(uaf.frames, ['tcp_retransmit_timer', 'tcp_write_timer_handler', 'tcp_write_timer']);
    assert.ok(uaf.example.startsWith('='.repeat(66)));
    assert.ok(uaf.example.includes('Use-after-free read at 0x000000003d4e5f60'), 'earliest report is the example');
    assert.deepEqual([oob.hosts.length, oob.count, oob.module], [1, 1, 'ext4']);
  });

  it('is deterministic: any host order gives the same findings', () => {
    const base = JSON.stringify(buildFindings(fleet()));
    fc.assert(
      fc.property(fc.shuffledSubarray(fleet(), { minLength: 4, maxLength: 4 }), (hosts) => JSON.stringify(buildFindings(hosts)) === base),
      { numRuns: 30 },
    );
  });

  it('sorts by hosts affected, then reports, then signature', () => {
    const many: HostReports[] = ['a', 'b', 'c'].map((h) => ({ host: h, reports: reportsOf('upstream-oob-read.txt') }));
    many.push({ host: 'd', reports: reportsOf('upstream-uaf-read.txt', 'upstream-uaf-read.txt', 'upstream-uaf-read.txt', 'upstream-uaf-read.txt') });
    many.push({ host: 'e', reports: reportsOf('upstream-invalid-read.txt') });
    const fs = buildFindings(many);
    assert.deepEqual(fs.map((f) => [f.kind, f.hosts.length, f.count]), [
      ['out-of-bounds', 3, 3],
      ['use-after-free', 1, 4],
      ['invalid-access', 1, 1],
    ]);
  });

  it('the signature is the title\'s: it ignores addresses, offsets, clone suffixes, modules and deeper frames, not kind, access or the guilty frame', () => {
    const base = fixture('upstream-6.12-oob-write-right.txt');
    const sig = (text: string): string => reportSignature(parseDmesg(text).reports[0]!);
    const s0 = sig(base);
    assert.equal(sig(elsewhere(base)), s0);
    assert.equal(sig(base.replace(/bad_write_init\+/g, 'bad_write_init.isra.0+')), s0);
    assert.equal(sig(base.replace(/\[kfleet_kfence_test\]/g, '[other_mod]')), s0);
    assert.notEqual(sig(base.replace(/out-of-bounds write/g, 'out-of-bounds read').replace(/Out-of-bounds write/g, 'Out-of-bounds read')), s0);
    assert.notEqual(sig(base.replace(/out-of-bounds write/g, 'use-after-free write').replace(/Out-of-bounds write at (\S+) \(\d+B right of (kfence-#\d+)\)/, 'Use-after-free write at $1 (in $2)')), s0);
    assert.notEqual(sig(base.replace(/bad_write_init/g, 'other_init')), s0);
    assert.equal(normalizeSymbol('foo.constprop.0.isra.0'), 'foo');
    assert.equal(normalizeSymbol('foo.cold'), 'foo');
    assert.equal(normalizeSymbol('foo_bar'), 'foo_bar');
  });

  it('syzkaller\'s rule: reports whose titles or alternative titles intersect are one bug; --by-release splits by kernel', () => {
    const oobW = fixture('upstream-6.12-oob-write-right.txt');
    const uafW = oobW.replace(/out-of-bounds write/g, 'use-after-free write').replace(/Out-of-bounds write at (\S+) \(\d+B right of (kfence-#\d+)\)/, 'Use-after-free write at $1 (in $2)');
    const a = parseDmesg(oobW).reports;
    const b = parseDmesg(uafW).reports;
    assert.notEqual(a[0]?.title, b[0]?.title);
    const merged = buildFindings([{ host: 'h1', release: 'r1', reports: a }, { host: 'h2', release: 'r2', reports: b }]);
    assert.equal(merged.length, 1, 'both are bad-access in the same function');
    assert.deepEqual(merged[0]?.titles, [a[0]!.title, b[0]!.title].sort());
    assert.equal(merged[0]?.count, 2);
    const split = buildFindings([{ host: 'h1', release: 'r1', reports: a }, { host: 'h2', release: 'r2', reports: b }], { byRelease: true });
    assert.equal(split.length, 2);
    assert.notEqual(split[0]?.signature, split[1]?.signature);
    // invalid free and memory corruption have no bad-access alternative: never merged with an access bug
    const free = parseDmesg(fixture('upstream-invalid-free.txt')).reports;
    assert.equal(buildFindings([{ host: 'h', reports: [...free, ...parseDmesg(fixture('upstream-uaf-read.txt')).reports] }]).length, 2);
  });

  it('a complete report is preferred as the example over a truncated one', () => {
    const cut = parseDmesg(fixture('upstream-uaf-read.txt').split('\n').slice(0, 20).join('\n')).reports;
    assert.equal(cut[0]?.truncated, true);
    const fs = buildFindings([
      { host: 'a', reports: cut },
      { host: 'b', reports: reportsOf('upstream-uaf-read.txt') },
    ]);
    assert.equal(fs.length, 1);
    assert.equal(fs[0]?.example_report.truncated, false);
    assert.equal(fs[0]?.count, 2);
  });

  it('since: keeps newer reports, and reports whose time is unknown', () => {
    const hr = fleet()[2] as HostReports; // db-07: reports at boot+745s and boot+1245s
    assert.equal(filterSince(hr, '2026-11-24T00:15:00Z').reports.length, 1);
    assert.equal(filterSince(hr, '2026-11-24T00:00:00Z').reports.length, 2);
    assert.equal(filterSince(hr, '2026-11-25T00:00:00Z').reports.length, 0);
    const noBoot: HostReports = { host: 'x', reports: hr.reports };
    assert.equal(filterSince(noBoot, '2030-01-01T00:00:00Z').reports.length, 2);
    const fs = buildFindings(fleet(), { since: '2026-11-25T08:30:00Z' });
    // web-02's use-after-free (08:12) and db-07's reports (the day before) are older than 08:30.
    assert.deepEqual(fs.map((f) => [f.kind, f.hosts.map((h) => h.host)]).sort(), [
      ['out-of-bounds', ['web-02']],
      ['use-after-free', ['web-01']],
    ]);
  });

  it('release falls back to the CPU line when the host record has none', () => {
    const fs = buildFindings([{ host: 'q', reports: reportsOf('upstream-oob-read.txt') }]);
    assert.deepEqual(fs[0]?.releases, ['5.13.0-rc3+']);
    assert.equal(fs[0]?.first_seen, null);
  });
});

describe('report/finding-events', () => {
  it('one host.finding event per signature on a host, with the findings\' signature and title', () => {
    const hr = fleet()[2] as HostReports;
    const ev = findingEvents(hr);
    assert.equal(ev.length, 1);
    const f = buildFindings([hr])[0];
    assert.deepEqual(ev[0], { type: 'host.finding', host: 'db-07', signature: f?.signature, kind: 'use-after-free', summary: 'KFENCE: use-after-free read in tcp_retransmit_timer (×2)' });
    assert.deepEqual(findingEvents({ host: 'x', reports: [] }), []);
  });
});
