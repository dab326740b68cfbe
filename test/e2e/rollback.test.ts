// Issue 13 item 2: `kfleet rollback RUN` tells the truth. Each case starts from a state other than
// "KFENCE off" (sampling at boot, full mode, a per-slab selection, fault=panic), lets a run change it,
// rolls back, and ends with the witness: a host called `reverted` is back to what the lab host showed
// before the run (live values, boot entries, booted args); anything else is failed or pending with
// a non-zero exit.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { stringify } from 'yaml';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { events, kfleet, tmp } from './support.js';
import { assertWitness, witnessMark, type WitnessMark } from '../support/witness.js';

describe('e2e: kfleet rollback restores the recorded state, or says it did not', function () {
  this.timeout(120_000);
  let lab: Lab;
  let dir: string;
  const state = () => join(dir, 'state');
  before(async () => {
    dir = tmp('rollback');
    lab = await startLab({ hosts: 5, profile: 'alinux-5.10.134-17', stateDir: join(dir, 'lab'), downtimeMs: 100, memory: { totalMiB: 32768 } });
  });
  after(async () => lab?.stop());

  const play = (name: string, host: string, kfence: Record<string, unknown>, reboot: Record<string, unknown> = {}): string => {
    const file = join(dir, `${name}.yml`);
    writeFileSync(file, stringify({ name, hosts: host, kfence, rollout: { phases: ['100%'], soak: '0s', max_fail_percentage: 100 }, reboot: { allowed: true, timeout: '20s', stable_for: '0s', ...reboot } }));
    return file;
  };
  const common = () => ['-i', lab.inventoryPath, '--state-dir', state()];

  /** Apply `kfence` to one host, checked by the witness; returns the run id. */
  async function applyChecked(name: string, h: LabHost, kfence: Record<string, unknown>, reboot: Record<string, unknown> = {}): Promise<string> {
    const mark = await witnessMark([h]);
    const r = await kfleet(['apply', play(name, h.name, kfence, reboot), ...common(), '--yes', '--json']);
    const ev = events(r.stdout);
    await assertWitness([h], mark, { exitCode: r.code, events: ev, journal: { stateDir: state() } }, { kfence });
    assert.equal(r.code, 0, r.stdout.slice(-1500) + r.stderr);
    return String(ev.find((e) => e.type === 'run.start')!.run);
  }

  async function rollback(run: string, h: LabHost, baseline: WitnessMark, extra: string[] = []) {
    const mark = await witnessMark([h]);
    const r = await kfleet(['rollback', run, ...common(), '--json', ...extra]);
    const ev = events(r.stdout);
    await assertWitness([h], mark, { exitCode: r.code, events: ev, journal: { stateDir: state() } }, { revertedTo: baseline });
    return { code: r.code, result: ev.filter((e) => e.type === 'host.result' && e.host === h.name).pop() as unknown as Record<string, unknown> & { status: string; error?: { code: string; message: string } }, out: r.stdout + r.stderr };
  }

  const param = async (h: LabHost, p: string) => (await h.readFile(`/sys/module/kfence/parameters/${p}`)).trim();

  it('sampling at boot, turned off at runtime: --no-reboot leaves it pending (exit 3), then a reboot brings it back (reverted)', async () => {
    const h = lab.host('lab-001');
    await h.run('grubby --update-kernel=ALL --args=kfence.sample_interval=100');
    await h.reboot();
    assert.equal(await param(h, 'sample_interval'), '100');
    const baseline = await witnessMark([h]);
    const run = await applyChecked('off-now', h, { mode: 'off', apply: 'runtime' });
    assert.equal(await param(h, 'sample_interval'), '0');

    // The small pool the boot made was freed: only a boot brings it back. Without a reboot: pending, not "reverted".
    const p = await rollback(run, h, baseline, ['--no-reboot']);
    assert.equal(p.result.status, 'pending_reboot', p.out);
    assert.equal(p.code, 3);
    assert.equal(await param(h, 'sample_interval'), '0');

    const boots = h.bootCount;
    const r = await rollback(run, h, baseline);
    assert.equal(r.result.status, 'reverted', r.out);
    assert.equal(r.code, 0);
    assert.equal(h.bootCount, boots + 1, 'one reboot restores the boot-time pool');
    assert.equal(await param(h, 'sample_interval'), '100');
  });

  it('full mode at runtime, changed to sampling: restored live, no reboot', async () => {
    const h = lab.host('lab-002');
    await applyChecked('full', h, { mode: 'full', num_objects: 131071, pool_mode: 'global', slabs: { only: ['kmalloc-64'] }, apply: 'runtime' });
    assert.ok(Number(await param(h, 'sample_interval')) < 0);
    const baseline = await witnessMark([h]);
    const run = await applyChecked('sampling', h, { mode: 'sampling', sample_interval: 100, apply: 'runtime' });
    assert.equal(await param(h, 'sample_interval'), '100');
    const boots = h.bootCount;
    const r = await rollback(run, h, baseline);
    assert.equal(r.result.status, 'reverted', r.out);
    assert.equal(r.code, 0);
    assert.equal(h.bootCount, boots, 'full mode comes back live');
    assert.ok(Number(await param(h, 'sample_interval')) < 0);
  });

  it('a per-slab selection, replaced by another: the old selection is restored live', async () => {
    const h = lab.host('lab-003');
    await applyChecked('only-64', h, { mode: 'sampling', sample_interval: 100, num_objects: 131071, slabs: { only: ['kmalloc-64'] }, apply: 'runtime' });
    const baseline = await witnessMark([h]);
    const run = await applyChecked('only-128', h, { mode: 'sampling', sample_interval: 100, num_objects: 131071, slabs: { only: ['kmalloc-128'] }, apply: 'runtime' });
    const r = await rollback(run, h, baseline);
    assert.equal(r.result.status, 'reverted', r.out);
    assert.equal(r.code, 0);
    const real = (n: string) => h.readFile(`/sys/kernel/slab/${n}/kfence_enable`).then((v) => v.trim());
    assert.deepEqual([await real('kmalloc-64'), await real('kmalloc-128')], ['1', '0']);
  });

  it('fault=panic on the command line, run sets report (args and live): both come back without a reboot', async () => {
    const h = lab.host('lab-004');
    await h.run('grubby --update-kernel=ALL --args="kfence.sample_interval=100 kfence.fault=panic"');
    await h.reboot();
    assert.equal(await param(h, 'fault'), 'panic');
    const baseline = await witnessMark([h]);
    const run = await applyChecked('report', h, { mode: 'sampling', sample_interval: 100, fault: 'report', apply: 'both' });
    assert.equal(await param(h, 'fault'), 'report');
    assert.match((await h.run('grubby --info=ALL')).stdout, /kfence\.fault=report/);
    const boots = h.bootCount;
    const r = await rollback(run, h, baseline);
    assert.equal(r.result.status, 'reverted', r.out);
    assert.equal(r.code, 0);
    assert.equal(h.bootCount, boots);
    assert.equal(await param(h, 'fault'), 'panic');
    assert.doesNotMatch((await h.run('grubby --info=ALL')).stdout, /kfence\.fault=report/);
  });

  it('a host that does not come back from the restore reboot is failed with the reason, exit 1', async () => {
    const h = lab.host('lab-005');
    const baseline = await witnessMark([h]);
    const run = await applyChecked('boot-200', h, { mode: 'sampling', sample_interval: 200, apply: 'both' }, { timeout: '3s' });
    assert.equal(await param(h, 'sample_interval'), '200');
    h.fault('no-return');
    try {
      const r = await rollback(run, h, baseline);
      assert.equal(r.result.status, 'failed', r.out);
      assert.equal(r.result.error?.code, 'REBOOT_TIMEOUT');
      assert.equal(r.code, 1);
    } finally {
      h.fault('none');
      await h.waitUp();
    }
  });
});
