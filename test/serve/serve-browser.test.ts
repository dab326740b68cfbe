// `kfleet serve` in headless Chromium while a lab rollout runs: the page shows the run appearing and
// moving live (no reload), waits at the manual promotion, refuses promote with a wrong token,
// promotes with the right one, and ends showing what the journal and the lab say. Screenshots are
// taken and their pixels checked (the timeline's state colours are drawn); docs/serve-screenshot.png
// is refreshed with KFLEET_UPDATE_SCREENSHOT=1.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { colourCounts, launchChromium } from '../support/chromium.js';
import { assertWitness, witnessMark, type WitnessMark } from '../support/witness.js';
import { EXIT } from '../../src/errors.js';
import { startServe, type Served } from '../../src/serve/server.js';
import { journalOf, kfleetStart, playbook, reboots, testLab, writePlaybook, type CliRun, type TestLab } from '../rollout/support.js';

const TOKEN = 'serve-test-token-0123456789';
const SHOT_DIR = mkdtempSync(join(tmpdir(), 'kfleet-serve-shot-'));
const FINAL_SHOT = process.env.KFLEET_UPDATE_SCREENSHOT === '1' ? fileURLToPath(new URL('../../docs/serve-screenshot.png', import.meta.url)) : join(SHOT_DIR, 'serve-final.png');

describe('kfleet serve in headless Chromium, live on a lab rollout', function () {
  this.timeout(180_000);
  let t: TestLab;
  let served: Served;
  let ctx: BrowserContext | undefined;
  let page: Page;
  let run: CliRun | undefined;
  let seen: WitnessMark;
  let firstPlaybook = '';
  const dialogs: string[] = [];
  const external: string[] = [];

  before(async () => {
    t = await testLab({ hosts: 5 });
    served = await startServe({ stateDir: t.stateDir, allowControl: true, token: TOKEN, pollMs: 200, limits: async () => ({ max_fail_percentage: 20, soak_ms: 1000, promote: 'manual', health: { unexpected_reboot: 'fail', kfence_bugs: 'report' } }) });
    ctx = await launchChromium(SHOT_DIR);
    page = ctx.pages()[0] ?? (await ctx.newPage());
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      // The abort button asks first; the test says yes to it and records every dialog.
      void (d.message().startsWith('Abort run ') ? d.accept() : d.dismiss());
    });
    page.on('request', (r) => {
      if (!r.url().startsWith(served.url)) external.push(r.url());
    });
  });

  after(async () => {
    await ctx?.close();
    await served?.close();
    if (run) await run.done;
    await t?.lab.stop();
    rmSync(SHOT_DIR, { recursive: true, force: true });
  });

  it('is bound to loopback and answers only to its own Host name', async () => {
    assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const { request } = await import('node:http');
    const status = (host: string) =>
      new Promise<number>((res, rej) => {
        const u = new URL(served.url);
        const q = request({ host: '127.0.0.1', port: u.port, path: '/api/runs', headers: { host } }, (r) => {
          r.resume();
          res(r.statusCode ?? 0);
        });
        q.on('error', rej);
        q.end();
      });
    assert.equal(await status(new URL(served.url).host), 200);
    assert.equal(await status('evil.example:80'), 421);
  });

  it('shows an empty state, then the run appears and moves without a reload', async () => {
    await page.goto(served.url);
    await page.waitForSelector('#live:text("live")');
    assert.equal(await page.isVisible('#empty'), true);
    const pb = writePlaybook(t.dir, playbook({ rollout: { phases: [1, '100%'], max_fail_percentage: 20, soak: '1s', promote: 'manual' } }));
    firstPlaybook = pb;
    seen = await witnessMark(t.lab);
    run = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    await page.waitForSelector('#runs li', { timeout: 60_000 });
    await page.waitForSelector('#phases tbody tr[data-phase="1"] td.state[data-state="wait_promote"]', { timeout: 90_000 });
    assert.equal(await page.evaluate(() => performance.getEntriesByType('navigation').length), 1, 'no reload');
    assert.equal(await page.textContent('#verdict'), 'running');
    assert.match((await page.textContent('#promote')) ?? '', /^Promote to phase 2$/);
    // The canary is verified and rebooted, the rest wait; the timeline draws the canary's states.
    const canary = await page.$$eval('#hosts tbody tr', (rows) => rows.filter((r) => r.querySelector('td.state')?.getAttribute('data-state') === 'verified').map((r) => r.getAttribute('data-host')));
    assert.equal(canary.length, 1);
    assert.match((await page.textContent(`#hosts tr[data-host="${canary[0]}"]`)) ?? '', /fire .*→ .*verified/);
    assert.ok((await page.$$('#timeline svg rect.seg[data-state="rebooting"]')).length >= 1);
    assert.match((await page.textContent('#phases tbody tr[data-phase="1"]')) ?? '', /0 of 1.*0% of 20% allowed.*passed \(1 s\)/);
    const shot = await page.screenshot({ path: join(SHOT_DIR, 'serve-waiting.png'), fullPage: true });
    assert.ok(shot.length > 20_000);
  });

  it('refuses promote with a wrong token (401), and nothing moves', async () => {
    await page.fill('#token', 'not-the-token-at-all');
    await page.click('#promote');
    await page.waitForSelector('#control-msg[data-status="401"]');
    assert.match((await page.textContent('#control-msg')) ?? '', /refused: wrong or missing token/);
    await new Promise((r) => setTimeout(r, 1500));
    const { state } = journalOf(t.stateDir, (await page.getAttribute('#runs li', 'data-run'))!);
    assert.equal(state.phaseStates.get(0), 'wait_promote');
    assert.equal(state.end, null);
  });

  it('promotes with the token; the page follows the run to its end and agrees with the journal and the lab', async () => {
    await page.fill('#token', TOKEN);
    await page.click('#promote');
    await page.waitForSelector('#control-msg[data-status="202"]');
    await page.waitForSelector('#verdict:text("converged")', { timeout: 90_000 });
    const r = await run!.done;
    assert.equal(r.code, 0, r.stderr);
    await assertWitness(t.lab, seen, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: t.stateDir } }, { playbook: firstPlaybook });
    const id = (await page.getAttribute('#runs li', 'data-run'))!;
    const { state } = journalOf(t.stateDir, id);
    assert.equal(state.end?.verdict, 'converged');
    const shown = Object.fromEntries(await page.$$eval('#hosts tbody tr', (rows) => rows.map((tr) => [tr.getAttribute('data-host'), tr.querySelector('td.state')?.getAttribute('data-state')])));
    assert.deepEqual(shown, Object.fromEntries([...state.hosts].map(([h, s]) => [h, s.state])));
    for (const h of t.lab.hosts) {
      assert.equal(shown[h.name], 'verified');
      assert.equal(reboots(h), 1, `${h.name} rebooted ${reboots(h)} times`);
    }
    assert.equal(await page.isVisible('#controls'), false, 'no control on an ended run');
    assert.deepEqual(await page.$$eval('#phases tbody td.state', (tds) => tds.map((td) => td.getAttribute('data-state'))), ['done', 'done']);
    const png = await page.screenshot({ path: FINAL_SHOT, fullPage: true });
    const timeline = await page.locator('#timeline svg').screenshot();
    const blank = await ctx!.newPage();
    try {
      const c = await colourCounts(blank, timeline, { verified: '#3fa34d', rebooting: '#f0b44c', planned: '#c9d3df' });
      assert.ok(c.verified! > 200 && c.rebooting! > 50 && c.planned! > 50, `timeline colours ${JSON.stringify(c)}`);
      const whole = await colourCounts(blank, png, { header: '#1f2a3c', badge: '#3a8f4a' });
      assert.ok(whole.header! > 10_000 && whole.badge! > 100, `page colours ${JSON.stringify(whole)}`);
    } finally {
      await blank.close();
    }
    assert.deepEqual(external, [], 'the page asked for nothing outside the server');
    assert.deepEqual(dialogs, []);
  });

  it('aborts a second run from the page (after its confirmation): the engine stops it, the page shows it aborted, the lab was not touched beyond the canary', async () => {
    const pb = writePlaybook(t.dir, playbook({ kfence: { sample_interval: 300 }, rollout: { phases: [1, '100%'], soak: '0s', promote: 'manual' } }), 'second.yml');
    const second = kfleetStart(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
    const started = await second.waitFor('run.start');
    const id = String(started.run);
    await page.click(`#runs li[data-run="${id}"]`);
    await page.waitForSelector(`#run-title:text("Run ${id}")`);
    await page.waitForSelector('#phases tbody tr[data-phase="1"] td.state[data-state="wait_promote"]', { timeout: 90_000 });
    const bootsBefore = new Map(t.lab.hosts.map((h) => [h.name, reboots(h)]));
    await page.click('#abort');
    await page.waitForSelector('#control-msg[data-status="202"]');
    await page.waitForSelector('#verdict:text("aborted")', { timeout: 60_000 });
    const r = await second.done;
    assert.equal(r.code, EXIT.ABORTED, r.stderr);
    const { state } = journalOf(t.stateDir, id);
    assert.equal(state.end?.verdict, 'aborted');
    assert.ok(dialogs.includes(`Abort run ${id}?`));
    assert.match((await page.textContent('#reason')) ?? '', /aborted/);
    // Phase 2 never ran: its hosts kept their boot count.
    for (const h of state.phases[1] ?? []) assert.equal(reboots(t.lab.hosts.find((x) => x.name === h)!), bootsBefore.get(h));
    dialogs.splice(dialogs.indexOf(`Abort run ${id}?`), 1);
  });

  it('without --allow-control: no controls on the page, and promote/abort answer 403 even with the token', async () => {
    const ro = await startServe({ stateDir: t.stateDir });
    try {
      const id = (await page.getAttribute('#runs li:last-child', 'data-run'))!;
      for (const a of ['promote', 'abort']) {
        const res = await fetch(`${ro.url}api/runs/${id}/${a}`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
        assert.equal(res.status, 403);
      }
      const put = await fetch(`${ro.url}api/runs/${id}`, { method: 'DELETE' });
      assert.equal(put.status, 405);
      const view = (await (await fetch(`${ro.url}api/runs/${id}`)).json()) as { verdict: string };
      assert.equal(view.verdict, 'converged');
      const p2 = await ctx!.newPage();
      await p2.goto(`${ro.url}?run=${id}`);
      await p2.waitForSelector('#verdict:text("converged")');
      assert.equal(await p2.isVisible('#controls'), false);
      await p2.close();
    } finally {
      await ro.close();
    }
  });

  it('`kfleet serve` starts on loopback, prints its URL, serves the runs and stops on SIGTERM', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'bin', 'kfleet.js'), 'serve', '--state-dir', t.stateDir, '--port', '0', '--allow-control'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const url = await new Promise<string>((res, rej) => {
      const to = setTimeout(() => rej(new Error(`no URL printed: ${out}`)), 20_000);
      child.stdout.on('data', (d: Buffer) => {
        out += d;
        const m = /kfleet serve: (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
        if (m && /control token: \S+/.test(out)) {
          clearTimeout(to);
          res(m[1]!);
        }
      });
    });
    const token = /control token: (\S+)/.exec(out)![1]!;
    assert.ok(token.length >= 20);
    const runs = (await (await fetch(`${url}api/runs`)).json()) as Array<{ verdict: string }>;
    assert.deepEqual(runs.map((r) => r.verdict), ['aborted', 'converged']);
    const id = (runs[1] as unknown as { run: string }).run;
    assert.equal((await fetch(`${url}api/runs/${id}/abort`, { method: 'POST' })).status, 401);
    assert.equal((await fetch(`${url}api/runs/${id}/abort`, { method: 'POST', headers: { authorization: `Bearer ${token}` } })).status, 409, 'an ended run cannot be aborted');
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((res) => child.on('close', res));
    assert.equal(code, 0);
  });
});
