// report/boot-sources.ts from recorded outputs: the listing's parser, pstore parts joined in
// order (Part1 is the end of the log), fingerprints shared by every copy of a report.
import assert from 'node:assert/strict';
import { buildReport } from '../../src/lab/kernel/reports.js';
import { pstoreRecords, vmcoreDmesg } from '../../src/lab/kernel/crash-records.js';
import { fingerprint, joinPstore, parsePastBoots, pastBootsCommand, pastReports } from '../../src/report/boot-sources.js';
import { parseDmesg } from '../../src/report/parse-dmesg.js';

const lines = [
  { at: 1000, text: 'Linux version 6.12.0' },
  ...buildReport({ kind: 'memory-corruption', index: 7, cache: 'kmalloc-64', size: 64, uptimeSec: 12, cpu: 1, pid: 99, comm: 'x', tainted: false, release: '6.12.0', build: '#1', hardware: 'QEMU', rand: () => 0.42 }).map((text) => ({ at: 12000, text })),
  { at: 12000, text: 'Kernel panic - not syncing: kfence.fault=panic set ...' },
];

describe('report/boot-sources', () => {
  it('joins a multi-part pstore record oldest part first and finds the whole report', () => {
    const parts = pstoreRecords(lines, 3, 1764760000, 'Panic', 700);
    assert.ok(parts.length >= 3, `${parts.length} parts`);
    const shuffled = [...parts].reverse().map((p) => ({ path: `/sys/fs/pstore/${p.name}`, text: p.text }));
    const [rec] = joinPstore(shuffled);
    const r = parseDmesg(rec!.text).reports;
    assert.equal(r.length, 1);
    assert.equal(r[0]?.truncated, false);
    assert.equal(r[0]?.title, 'KFENCE: memory corruption in lab_faulty_driver_ioctl');
  });

  it('the same report in the journal, pstore and vmcore-dmesg has one fingerprint and is taken once', () => {
    const journal = lines.map((l) => `[${(l.at / 1000).toFixed(6).padStart(12)}] h kernel: ${l.text}`).join('\n');
    const files = [
      ...pstoreRecords(lines, 1, 1764760000).map((p) => ({ path: `/sys/fs/pstore/${p.name}`, text: p.text })),
      { path: '/var/crash/127.0.0.1-2026-12-03-10:00:00/vmcore-dmesg.txt', text: vmcoreDmesg(lines) },
    ];
    const got = pastReports({ boots: [{ boot: 'aa11', text: journal }], files }, {}, {});
    assert.deepEqual(got.sources.map((s) => [s.source, s.reports.length]), [['journal -b aa11', 1]]);
    const fromFiles = pastReports({ boots: [], files }, {}, {});
    assert.equal(fromFiles.sources.reduce((n, s) => n + s.reports.length, 0), 1, 'pstore and vmcore copies are one report');
    const fp = fingerprint(parseDmesg(vmcoreDmesg(lines)).reports[0]!);
    assert.equal(pastReports({ boots: [], files }, {}, { [fp]: 1 }).sources.length, 0, 'already read live');
  });

  it('reads a past boot from where live reading stopped', () => {
    const journal = lines.map((l) => `[${(l.at / 1000).toFixed(6).padStart(12)}] ${l.text}`).join('\n');
    const after = pastReports({ boots: [{ boot: 'bb22', text: journal }], files: [] }, { bb22: { boot_id: 'bb-22', ts: 12, n_at_ts: lines.length } }, {});
    assert.equal(after.sources.length, 0, 'everything was read live');
    assert.deepEqual(after.read_boots, ['bb22']);
  });

  it('parses the listing and skips what was seen (command text)', () => {
    const out = '@@kfleet-boot 0a1b\n[    1.000000] x\n@@kfleet-file /sys/fs/pstore/dmesg-efi-1\nPanic#1 Part1\n<6>[    2.0] y\n';
    const p = parsePastBoots(out);
    assert.deepEqual(p.boots, [{ boot: '0a1b', text: '[    1.000000] x' }]);
    assert.deepEqual(p.files.map((f) => f.path), ['/sys/fs/pstore/dmesg-efi-1']);
    const cmd = pastBootsCommand({ boots: ['0A-1B'], files: ['/var/crash/a/vmcore-dmesg.txt'] });
    assert.match(cmd, /seen=' 0a1b '/);
    assert.match(cmd, /\/var\/crash\/a\/vmcore-dmesg\.txt/);
  });
});
