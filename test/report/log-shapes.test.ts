// `kfleet report --log`: every saved-log shape through the same parser. Originals are real
// captures (the VM tier's serial console with dropbear lines between reports; 6.12 dmesg;
// syzbot's console with [T123] caller ids; a journalctl -k capture); the other shapes are made
// from them the way each tool prints (journalctl -o short-iso / short-monotonic, dmesg -t, -T, --time-format iso,
// vmcore-dmesg.txt, netconsole extended records and a syslog receiver, gzip).
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { reportsFromLog } from '../../src/report/log-file.js';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import { fixture, stripStamps } from './fixtures.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const syz590 = readFileSync(fileURLToPath(new URL('./syzkaller/590.txt', import.meta.url)), 'utf8').split('\n\n').slice(1).join('\n\n');

const stamped = (text: string): { us: number; msg: string }[] =>
  text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => {
      const m = /^\[ *(\d+)\.(\d+)\](?:\[ *[TC]\d+\])? ?(.*)$/.exec(l);
      return m ? { us: Number(m[1]) * 1e6 + Number(m[2]), msg: m[3] ?? '' } : { us: 0, msg: l };
    });

const shapes: Record<string, () => string> = {
  'console capture (VM tier, 6.12)': () => fixture('real-6.12-console.txt'),
  'dmesg (6.12)': () => fixture('upstream-6.12-oob-write-right.txt'),
  'dmesg -t (no stamps)': () => stripStamps(fixture('upstream-6.12-oob-write-right.txt')),
  '[T123] caller ids (syzbot console)': () => syz590,
  'dmesg -T (util-linux, ctime stamps)': () => stamped(fixture('upstream-6.12-oob-write-right.txt')).map((l) => `[Thu Dec  3 10:00:0${Math.floor(l.us / 1e6) % 10} 2026] ${l.msg}`).join('\n'),
  'dmesg --time-format iso (util-linux)': () => stamped(fixture('upstream-6.12-oob-write-right.txt')).map((l) => `2026-12-03T10:00:0${Math.floor(l.us / 1e6) % 10},${String(l.us % 1e6).padStart(6, '0')}+00:00 ${l.msg}`).join('\n'),
  'journalctl -k': () => fixture('journal-alinux-invalid-write.txt'),
  'journalctl -k -o short-iso': () => stamped(fixture('upstream-6.12-uaf-write-rcu.txt')).map((l) => `2026-12-03T10:00:0${Math.floor(l.us / 1e6) % 10}+0000 build-01 kernel: ${l.msg}`).join('\n'),
  'journalctl -k -o short-monotonic': () => stamped(fixture('upstream-6.12-uaf-write-rcu.txt')).map((l) => `[${(l.us / 1e6).toFixed(6).padStart(12)}] build-01 kernel: ${l.msg}`).join('\n'),
  'vmcore-dmesg.txt (kdump, a fault=panic)': () =>
    `[    0.000000] Linux version 5.10.134-17.al8.x86_64 (mockbuild@x) #1 SMP\n${fixture('alinux-corruption-panic.txt')}[  745.300000] Kernel Offset: 0x2a000000 from 0xffffffff81000000\n`,
  'netconsole extended records': () =>
    stamped(fixture('upstream-6.12-uaf-write-rcu.txt'))
      .map((l, i) => `3,${1200 + i},${l.us},-;${l.msg}${i === 3 ? '\n SUBSYSTEM=net\n DEVICE=n2' : ''}`)
      .join('\n'),
  'netconsole via a syslog receiver': () => fixture('alinux-oob-read-left.txt').replace(/^/gm, 'Dec  3 10:00:00 10.0.0.5 '),
};

describe('report --log: saved kernel logs of every shape', function () {
  this.timeout(60_000);
  let dir = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfleet-logs-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [shape, make] of Object.entries(shapes)) {
    it(`${shape}: every report, titled as from a plain dmesg`, () => {
      const text = make();
      const hr = reportsFromLog(shape, text);
      assert.ok(hr.reports.length >= 1, 'found');
      for (const r of hr.reports) {
        assert.match(r.title, /^KFENCE: /);
        assert.ok(r.kind !== 'unknown' && !r.truncated, `${shape}: complete report (${r.title})`);
        assert.ok(r.cpu?.release, 'the CPU line was read');
      }
    });
  }

  it('the same report gives the same title and stacks in every shape made from it', () => {
    const base = parseDmesg(fixture('upstream-6.12-uaf-write-rcu.txt')).reports[0]!;
    for (const shape of ['journalctl -k -o short-iso', 'journalctl -k -o short-monotonic', 'netconsole extended records']) {
      const r = reportsFromLog(shape, shapes[shape]!()).reports[0]!;
      assert.equal(r.title, base.title, shape);
      assert.deepEqual(r.access_stack, base.access_stack, shape);
      assert.deepEqual(r.freed?.stack, base.freed?.stack, shape);
    }
    const ext = reportsFromLog('x', shapes['netconsole extended records']!()).reports[0]!;
    assert.equal(ext.timestamp_s, base.timestamp_s, 'netconsole extended records carry the stamp in microseconds');
  });

  it('kfleet report --log FILE... --json: one finding per bug across files, .gz read, each file named as its host', async () => {
    const files = Object.entries(shapes).map(([shape, make], i) => {
      const f = join(dir, `log-${i}${i === 1 ? '.gz' : '.txt'}`);
      writeFileSync(f, i === 1 ? gzipSync(make()) : make());
      return { f, shape };
    });
    // the same capture twice: one bug, two "hosts"
    const again = join(dir, 'again.txt');
    writeFileSync(again, fixture('upstream-6.12-oob-write-right.txt'));
    const out = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile('node', [join(ROOT, 'bin/kfleet.js'), 'report', '--json', '--log', ...files.map((x) => x.f), again], { cwd: dir }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });
    assert.equal(out.code, 0, out.stderr);
    const doc = JSON.parse(out.stdout) as { findings: { title: string; hosts: { host: string }[]; count: number }[]; hosts: { host: string; reports: number }[] };
    assert.equal(doc.hosts.length, files.length + 1);
    const expected = files.flatMap(({ shape }) => reportsFromLog(shape, shapes[shape]!()).reports.map((r) => r.title));
    const total = doc.findings.reduce((n, f) => n + f.count, 0);
    assert.equal(total, expected.length + 1, 'every report of every file');
    const oob = doc.findings.find((f) => f.hosts.some((h) => h.host === again));
    assert.deepEqual(oob?.hosts.map((h) => h.host).sort(), [files[1]!.f, files[2]!.f, files[4]!.f, files[5]!.f, again].sort(), 'the .gz, the unstamped copy, the dmesg -T and iso copies and the plain copy are one bug');
  });

  it('a missing file is an input error with the path', async () => {
    const out = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('node', [join(ROOT, 'bin/kfleet.js'), 'report', '--log', join(dir, 'nope.txt')], (err, _o, stderr) => resolve({ code: Number((err as { code?: number } | null)?.code ?? 0), stderr }));
    });
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /nope\.txt: no such file/);
  });
});
