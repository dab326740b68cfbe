// The rollout timeline picture: folded from journal records (pure), drawn as SVG with names
// escaped, and shown in the HTML report (opened in headless Chromium: drawn, no script run).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { renderFindingsHtml } from '../../src/report/render-html.js';
import { renderTimelineSvg, timelineFromJournal } from '../../src/report/render-timeline.js';
import { colourCounts, launchChromium } from '../support/chromium.js';
import { EVIL, T0, journal } from '../support/journal-builder.js';

describe('report/render-timeline', function () {
  this.timeout(60_000);

  it('folds a journal into rows of state segments, reboot and finding marks, and phase bands', () => {
    const t = timelineFromJournal(journal(), T0 + 999_000);
    assert.equal(t.run, 'R1');
    assert.equal(t.to - t.from, 60_000, 'an ended run stops at its end, not at now');
    assert.deepEqual(t.hosts.map((h) => [h.host, h.phase]), [['a', 0], ['b', 1], [EVIL, 1]]);
    const a = t.hosts[0]!;
    assert.deepEqual(a.segments.map((s) => [s.state, (s.from - T0) / 1000, (s.to - T0) / 1000]), [['planned', 1, 3], ['staged', 3, 4], ['rebooting', 4, 21], ['verified', 21, 60]]);
    assert.deepEqual(a.marks.map((m) => [m.kind, (m.at - T0) / 1000]), [['fire', 4], ['up', 20], ['finding', 30]]);
    assert.deepEqual(t.phases.map((p) => [p.index, (p.from - T0) / 1000, (p.to - T0) / 1000, p.state, p.soakFrom === undefined ? null : (p.soakFrom - T0) / 1000]), [[0, 2, 40, 'done', 22], [1, 41, 50, 'halted', null]]);
    const running = timelineFromJournal(journal().slice(0, 10), T0 + 25_000);
    assert.equal(running.ended, false);
    assert.equal(running.to - running.from, 25_000, 'a run still going is drawn up to now');
  });

  it('draws an SVG with every name escaped and a time axis relative to the start', () => {
    const svg = renderTimelineSvg(timelineFromJournal(journal()));
    assert.ok(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"'));
    assert.ok(!svg.includes('<script'), 'host name escaped');
    assert.ok(svg.includes('evil&quot;&gt;&lt;script&gt;'));
    assert.ok(svg.includes('use-after-free read in &lt;f&gt;'));
    assert.equal((svg.match(/class="seg"/g) ?? []).length, 6);
    assert.match(svg, />\+1:00</);
    assert.match(svg, /phase 2 \(halted\)/);
  });

  it('the HTML report shows it (from the run journal) in headless Chromium, drawn, with no script run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-tl-'));
    const ctx = await launchChromium(dir, { width: 1200, height: 800 });
    try {
      const without = renderFindingsHtml([], { generated_at: 'x' });
      assert.ok(!without.includes('id="timeline"'), 'no journal, no section');
      const file = join(dir, 'r.html');
      writeFileSync(file, renderFindingsHtml([], { generated_at: 'x', timeline: journal() }));
      const page = ctx.pages()[0] ?? (await ctx.newPage());
      const dialogs: string[] = [];
      page.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      await page.goto(pathToFileURL(file).href);
      assert.equal(await page.textContent('#timeline h2'), 'Rollout timeline (run R1)');
      const box = await page.locator('#timeline svg').boundingBox();
      assert.ok(box && box.width > 900 && box.height > 60, JSON.stringify(box));
      assert.equal(await page.locator('#timeline svg rect.seg[data-state="failed"]').count(), 1);
      assert.deepEqual(await page.$$eval('#timeline g.host', (gs) => gs.map((g) => g.getAttribute('data-host'))), ['a', 'b', EVIL]);
      const png = await page.locator('#timeline svg').screenshot({ path: join(dir, 'timeline.png') });
      const red = await colourCounts(page, png, { failed: '#d9433b', verified: '#3fa34d' });
      assert.ok(red.failed! > 100 && red.verified! > 500, JSON.stringify(red));
      assert.deepEqual(dialogs, []);
    } finally {
      await ctx.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
