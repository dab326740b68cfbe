// Reports from every boot (report/boot-sources.ts): a KFENCE report from a boot that ended in a
// panic is found by `kfleet report` after the host came back, from wherever it survived: a
// persistent journal, pstore, kdump's vmcore-dmesg.txt. Each source is read once, and a report
// kept in several of them is counted once. The witness is the lab host: its boot records say the
// boot ended in a panic, and the bug it was made to report is the one kfleet names.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { kfleet } from '../rollout/support.js';

interface Doc {
  findings: { title: string; count: number; hosts: { host: string; count: number }[] }[];
  hosts: { host: string; reports: number; error?: string }[];
}

describe('report: reports from every boot (journal, pstore, vmcore-dmesg), each read once', function () {
  this.timeout(120_000);
  let lab: Lab;
  let dir = '';
  const report = async (): Promise<Doc> => {
    const r = await kfleet(['report', '-i', lab.inventoryPath, '--known-hosts', lab.knownHostsPath, '--state-dir', join(dir, 'state'), '--json']);
    assert.equal(r.code, 0, r.stderr + r.stdout.slice(0, 2000));
    return JSON.parse(r.stdout) as Doc;
  };
  const perHost = (d: Doc): Record<string, number> => Object.fromEntries(d.hosts.map((h) => [h.host, h.reports]));

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kfleet-boots-'));
    lab = await startLab({ hosts: 4, profile: 'alinux-5.10.134-17', downtimeMs: 200 });
    // lab-001: the journal lost the panic's last instant; only pstore has the report.
    lab.host('lab-001').journalMode = 'unflushed';
    // lab-002: the journal, pstore and kdump all have it: one report.
    lab.host('lab-002').kdump = true;
    // lab-003: no journal of past boots, no pstore; kdump's vmcore-dmesg.txt has it.
    lab.host('lab-003').journalMode = 'volatile';
    lab.host('lab-003').pstoreEnabled = false;
    lab.host('lab-003').kdump = true;
    // lab-004: a volatile journal and nothing else: the panic's report is gone (nothing to find).
    lab.host('lab-004').journalMode = 'volatile';
    lab.host('lab-004').pstoreEnabled = false;
    for (const h of lab.hosts) {
      await h.run('echo 100 > /sys/module/kfence/parameters/sample_interval; echo panic > /sys/module/kfence/parameters/fault');
    }
  });
  after(async () => {
    await lab?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('before: nothing to report', async () => {
    const d = await report();
    assert.equal(d.findings.length, 0);
  });

  it('a report from a boot that ended in a panic is found after the host came back', async () => {
    for (const h of lab.hosts) {
      const before = h.bootId;
      assert.equal(h.inject('use-after-free'), 'panic');
      await h.waitUp();
      // witness: the lab booted again after a panic
      assert.notEqual(h.bootId, before);
      assert.equal(h.audit.filter((e) => e.kind === 'boot').pop()?.reason, 'panic');
    }
    const d = await report();
    assert.deepEqual(perHost(d), { 'lab-001': 1, 'lab-002': 1, 'lab-003': 1, 'lab-004': 0 });
    assert.deepEqual(d.findings.map((f) => [f.title, f.count, f.hosts.map((h) => h.host)]), [
      ['KFENCE: use-after-free read in lab_faulty_driver_ioctl', 3, ['lab-001', 'lab-002', 'lab-003']],
    ]);
    // witness: where it survived on each host
    assert.match((await lab.host('lab-001').run('journalctl -k -b -1 --no-pager')).stdout, /^(?![\s\S]*BUG: KFENCE)/, 'lab-001: not in the journal');
    assert.ok((await lab.host('lab-001').run('ls /sys/fs/pstore')).stdout.includes('dmesg-efi-'), 'lab-001: in pstore');
    assert.match((await lab.host('lab-002').run('journalctl -k -b -1 --no-pager')).stdout, /BUG: KFENCE: use-after-free/);
    assert.match((await lab.host('lab-002').run('cat /var/crash/*/vmcore-dmesg.txt')).stdout, /BUG: KFENCE: use-after-free/);
    assert.equal((await lab.host('lab-003').run('ls /sys/fs/pstore')).stdout.trim(), '');
  });

  it('each source is read once: the next report finds the same, and nothing twice', async () => {
    const d = await report();
    assert.deepEqual(perHost(d), { 'lab-001': 1, 'lab-002': 1, 'lab-003': 1, 'lab-004': 0 });
    assert.equal(d.findings[0]?.count, 3);
  });

  it('a report read live and then kept in pstore by a later panic is still one report', async () => {
    const h = lab.host('lab-001');
    await h.run('echo 100 > /sys/module/kfence/parameters/sample_interval; echo report > /sys/module/kfence/parameters/fault');
    assert.equal(h.inject('invalid-free'), 'reported');
    const live = await report();
    assert.equal(perHost(live)['lab-001'], 2);
    await h.run('echo panic > /sys/module/kfence/parameters/fault');
    assert.equal(h.inject('use-after-free'), 'panic');
    await h.waitUp();
    const d = await report();
    // the invalid free (read live, in the new pstore record too) once; two use-after-frees (two panics)
    assert.equal(perHost(d)['lab-001'], 3);
    const free = d.findings.find((f) => f.title.startsWith('KFENCE: invalid free'));
    assert.equal(free?.count, 1);
  });
});
