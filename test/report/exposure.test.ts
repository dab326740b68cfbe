// Exposure accounting (report/exposure.ts) from builders, its Prometheus families with bounded
// title cardinality, its HTML section in headless Chromium, and `kfleet report` against lab hosts
// whose KFENCE counters are the witness.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { startLab, type Lab } from '../../src/lab/index.js';
import { exposure, exposureReport, hostExposure, type Observation } from '../../src/report/exposure.js';
import { buildFindings } from '../../src/report/findings.js';
import { parseKfenceStats, guardedAllocations } from '../../src/report/parse-stats.js';
import { renderFindingsPrometheus } from '../../src/report/prometheus-findings.js';
import { renderFindingsHtml } from '../../src/report/render-html.js';
import { kfleet } from '../rollout/support.js';
import { demoFleet } from './demo-fleet.js';

const T0 = Date.parse('2026-12-01T00:00:00Z');
const obs = (h: number, o: Partial<Observation> = {}): Observation => ({ at: new Date(T0 + h * 3_600_000).toISOString(), boot_id: 'b1', uptime_s: 3600 * (h + 2), mode: 'sampling', cmdline_on: false, allocations: 1000 * h, ...o });

describe('report/exposure', function () {
  this.timeout(120_000);

  it('sums host-hours between observations of one boot with KFENCE on, and from boot when the command line turned it on', () => {
    assert.deepEqual(hostExposure([obs(0), obs(1), obs(3)]), { sampling_s: 3 * 3600, full_s: 0, allocations: 3000 });
    // first observation of a boot whose command line enables KFENCE: its uptime counts
    assert.equal(hostExposure([obs(0, { cmdline_on: true }), obs(1)]).sampling_s, 3 * 3600);
    // off at either end: not counted; a mode change: not counted
    assert.equal(hostExposure([obs(0), obs(1, { mode: 'off' }), obs(2)]).sampling_s, 0);
    assert.equal(hostExposure([obs(0), obs(1, { mode: 'full' }), obs(2, { mode: 'full' })]).full_s, 3600);
    // a reboot between: the new boot starts over (its uptime counts only with cmdline_on)
    const rebooted = hostExposure([obs(0), obs(1), obs(5, { boot_id: 'b2', uptime_s: 7200, allocations: 50 }), obs(6, { boot_id: 'b2', allocations: 80 })]);
    assert.deepEqual(rebooted, { sampling_s: 2 * 3600, full_s: 0, allocations: 1030 });
    // unreadable stats: hours count, allocations do not
    assert.equal(hostExposure([obs(0, { allocations: null }), obs(1)]).allocations, 0);
    // since: clipped
    assert.equal(hostExposure([obs(0), obs(4)], new Date(T0 + 3 * 3_600_000).toISOString()).sampling_s, 3600);
  });

  it('per cohort: findings per 1,000 host-days, unique titles, the occurrence histogram', () => {
    const findings = buildFindings(demoFleet());
    const observations = new Map<string, Observation[]>(demoFleet().map((h) => [h.host, [obs(0), obs(24)]]));
    const all = exposure({ observations, findings });
    assert.equal(all.hosts, 10);
    assert.equal(all.host_hours.total, 240);
    assert.equal(all.reports, 15);
    assert.equal(all.unique_titles, findings.length);
    assert.equal(all.reports_per_1000_host_days, 1500);
    assert.deepEqual(all.histogram, { once: findings.filter((f) => f.count === 1).length, '2-10': findings.filter((f) => f.count > 1).length, more: 0 });
    const releases = new Map(demoFleet().map((h) => [h.host, h.release!]));
    const r = exposureReport({ observations, findings }, releases, { db: ['db-01', 'db-02'] });
    assert.deepEqual(Object.keys(r.by_release).sort(), ['5.10.134-16.al8.x86_64', '5.10.134-17.al8.x86_64', '6.12.117+deb12-amd64']);
    assert.equal(r.by_group['db']?.reports, 3);
    assert.equal(r.by_group['db']?.host_hours.total, 48);
    assert.equal(exposure({ observations: new Map(), findings: [] }).reports_per_1000_host_days, null, 'no exposure, no rate');
  });

  it('guarded allocations come from both stats formats', () => {
    assert.equal(guardedAllocations(parseKfenceStats('enabled: 1\ntotal allocations: 40\ntotal bugs: 0\n')), 40);
    assert.equal(guardedAllocations(parseKfenceStats(`enabled: 1\n${'total slab allocations'.padEnd(30)}:${'7'.padStart(20)}\n${'total page allocations'.padEnd(30)}:${'3'.padStart(20)}\n`)), 10);
    assert.equal(guardedAllocations(parseKfenceStats('enabled: 0\n')), null);
  });

  it('Prometheus: one sample per title up to the bound, the rest summed as "other"', () => {
    const many = Array.from({ length: 120 }, (_, i) => ({ title: `KFENCE: invalid free in fn_${String.fromCharCode(97 + (i % 26))}${i}`, count: 1 + (i % 3) }));
    const text = renderFindingsPrometheus(many as never, null, 50);
    const samples = text.split('\n').filter((l) => l.startsWith('kfleet_kfence_findings_total{'));
    assert.equal(samples.length, 51);
    const sum = samples.reduce((n, l) => n + Number(l.split(' ').pop()), 0);
    assert.equal(sum, many.reduce((n, f) => n + f.count, 0), 'no report lost to the bound');
    assert.match(text, /kfleet_kfence_findings_total\{title="other"\} \d+/);
    assert.match(renderFindingsPrometheus([{ title: 'KFENCE: x "y"\\', count: 1 }] as never, null), /title="KFENCE: x \\"y\\"\\\\"/);
  });

  it('the HTML report shows the exposure table (headless Chromium)', async () => {
    if (!existsSync('/usr/bin/chromium')) throw new Error('Chromium not found at /usr/bin/chromium: apt-get install -y chromium');
    const findings = buildFindings(demoFleet());
    const observations = new Map<string, Observation[]>(demoFleet().map((h) => [h.host, [obs(0), obs(24)]]));
    const x = exposureReport({ observations, findings }, new Map(demoFleet().map((h) => [h.host, h.release!])), { web: ['web-01', 'web-02', 'web-03', 'web-04'] });
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-exp-'));
    try {
      const file = join(dir, 'r.html');
      writeFileSync(file, renderFindingsHtml(findings, { exposure: x }));
      const ctx = await chromium.launchPersistentContext(join(dir, 'p'), { executablePath: '/usr/bin/chromium', headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu'] });
      try {
        const page = ctx.pages()[0] ?? (await ctx.newPage());
        await page.goto(pathToFileURL(file).href);
        const rows = await page.$$eval('#exposure tbody tr.cohort', (rs) => rs.map((r) => [r.getAttribute('data-cohort'), (r.querySelector('td.hh') as HTMLElement).innerText, (r.querySelector('td.rate') as HTMLElement).innerText, (r as HTMLElement).offsetParent !== null]));
        assert.deepEqual(rows[0], ['fleet:all hosts', '240', '1,500', true]);
        assert.equal(rows.length, 1 + 3 + 1);
        assert.deepEqual(rows[4]?.slice(0, 2), ['group:web', '96']);
      } finally {
        await ctx.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe('kfleet report against the lab', () => {
    let lab: Lab;
    let dir = '';
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'kfleet-expl-'));
      lab = await startLab({ hosts: 2, profile: 'upstream-6.12' });
      for (const h of lab.hosts) await h.run('echo 100 > /sys/module/kfence/parameters/sample_interval');
    });
    after(async () => {
      await lab?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('exposure in --json and --prometheus, bounded by the lab kernel\'s own counters', async () => {
      const allocs = async (): Promise<number> => {
        let n = 0;
        for (const h of lab.hosts) n += guardedAllocations(parseKfenceStats(await h.readFile('/sys/kernel/debug/kfence/stats'))) ?? 0;
        return n;
      };
      const args = ['report', '-i', lab.inventoryPath, '--known-hosts', lab.knownHostsPath, '--state-dir', join(dir, 'state'), '--json', '--prometheus', join(dir, 'kfence.prom')];
      const before = await allocs();
      assert.equal((await kfleet(args)).code, 0);
      lab.host('lab-001').inject('use-after-free');
      await new Promise((r) => setTimeout(r, 1500));
      const second = await kfleet(args);
      const after = await allocs();
      assert.equal(second.code, 0, second.stderr);
      const doc = JSON.parse(second.stdout) as { exposure: { fleet: { hosts: number; host_hours: { sampling: number; total: number }; guarded_allocations: number; reports: number; unique_titles: number }; by_release: Record<string, unknown> } };
      const f = doc.exposure.fleet;
      assert.equal(f.hosts, 2);
      assert.ok(f.host_hours.sampling > 0 && f.host_hours.sampling < 0.1, `${f.host_hours.sampling} host-hours`);
      assert.ok(f.guarded_allocations > 0 && f.guarded_allocations <= after - before, `${f.guarded_allocations} <= ${after - before}`);
      assert.equal(f.reports, 1);
      assert.equal(f.unique_titles, 1);
      assert.deepEqual(Object.keys(doc.exposure.by_release), ['6.12.117+deb12-amd64']);
      const prom = readFileSync(join(dir, 'kfence.prom'), 'utf8');
      assert.match(prom, /kfleet_kfence_findings_total\{title="KFENCE: use-after-free read in lab_faulty_driver_ioctl"\} 1/);
      assert.match(prom, /kfleet_kfence_guarded_allocations_total \d+/);
    });
  });
});
