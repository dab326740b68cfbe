// THE CRASH HARNESS (issue 5): `kfleet apply` runs as a child process that SIGKILLs itself right
// after journal record N (KFLEET_CRASH_AFTER_RECORD=N), for every N of a rollout with reboots;
// then `kfleet apply --resume RUN` (again, if it is killed again) until the run ends. The lab runs
// in its own process (`kfleet lab up --detach`), so killing the controller leaves the fleet alone,
// as in production. Every host must end converged, none may have rebooted twice, and the journal
// must replay. Runs alternate between two boot-only playbooks (interval 200 and 300, apply: boot),
// so each run starts from the other's converged state and must reboot every host exactly once.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { controlRequest, type HostStatus } from '../../src/lab/control.js';
import { journalPath, listRuns, readJournal, replay, type Stamped } from '../../src/rollout/journal.js';
import { kfleet, playbook, writePlaybook, type CliResult } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

const HOSTS = 4;

function label(r: Stamped): string {
  if (r.t === 'host') return `host:${r.state}`;
  if (r.t === 'reboot') return `reboot:${r.stage}`;
  if (r.t === 'phase') return `phase:${r.state}`;
  return r.t;
}

describe('crash harness: SIGKILL after every journal record, then --resume', function () {
  this.timeout(900_000);
  const dir = mkdtempSync(join(tmpdir(), 'kfleet-crash-'));
  const labDir = join(dir, 'lab');
  const stateDir = join(dir, 'state');
  let common: string[];
  const books: string[] = [];

  const status = async () => (await controlRequest<{ hosts: HostStatus[] }>(labDir, '/status')).hosts;

  before(async () => {
    const up = await kfleet(['lab', 'up', '--detach', '--state-dir', labDir, '--hosts', String(HOSTS), '--profile', 'alinux-5.10.134-17', '--downtime-ms', '250']);
    assert.equal(up.code, 0, up.stderr + up.stdout);
    const s = await controlRequest<{ inventory: string; knownHosts: string }>(labDir, '/status');
    common = ['-i', s.inventory, '--known-hosts', s.knownHosts, '--state-dir', stateDir, '--yes', '--json'];
    for (const interval of [200, 300]) {
      books.push(writePlaybook(dir, playbook({ kfence: { sample_interval: interval, apply: 'boot' }, rollout: { phases: [1, '100%'], soak: '300ms', forks: 4 }, reboot: { stable_for: '0s', timeout: '20s', max_parallel: 4 } }), `p${interval}.yml`));
    }
  });

  after(async () => {
    await kfleet(['lab', 'down', '--state-dir', labDir]);
  });

  let round = 0;
  /** One run killed after record `n` (0 = not killed), resumed until it ends; returns the run's records. */
  async function crashAndResume(n: number, killResumeAfter = 0): Promise<{ records: Stamped[]; kills: number }> {
    const interval = round % 2 === 0 ? 200 : 300;
    const pb = books[round % 2]!;
    round++;
    const before = new Map((await status()).map((h) => [h.name, h.bootCount]));
    const known = new Set(listRuns(stateDir));
    const seen = await witnessMark({ detached: labDir });
    let r: CliResult = await kfleet(['apply', pb, ...common], n ? { KFLEET_CRASH_AFTER_RECORD: String(n) } : {});
    const run = listRuns(stateDir).find((x) => !known.has(x));
    assert.ok(run, `no run started (exit ${r.code}): ${r.stderr}`);
    let kills = 0;
    let resumes = 0;
    while (r.signal === 'SIGKILL') {
      kills++;
      assert.ok(++resumes <= 6, `run ${run} still not finished after ${resumes} resumes`);
      // The journal of a killed controller replays, whatever point it died at.
      const mid = replay(readJournal(journalPath(stateDir, run)));
      assert.equal(mid.end, null);
      const env = killResumeAfter && resumes === 1 ? { KFLEET_CRASH_AFTER_RECORD: String(killResumeAfter) } : {};
      r = await kfleet(['apply', '--resume', run, ...common.filter((a) => a !== '--yes')], env);
    }
    assert.equal(r.code, 0, `N=${n}: run ${run} ended with exit ${r.code}\n${r.stderr}\n${r.stdout.slice(-3000)}`);
    const records = readJournal(journalPath(stateDir, run));
    const st = replay(records);
    assert.equal(st.end?.verdict, 'converged', `N=${n}: verdict ${st.end?.verdict} (${st.end?.reason ?? ''})`);
    for (const h of await status()) {
      assert.equal(h.state, 'up');
      assert.equal(h.bootCount - before.get(h.name)!, 1, `N=${n}: ${h.name} booted ${h.bootCount - before.get(h.name)!} times in run ${run}`);
      assert.match(h.cmdline, new RegExp(`kfence\\.sample_interval=${interval}( |$)`), `N=${n}: ${h.name} cmdline ${h.cmdline}`);
      assert.equal(h.kfence.sampleInterval, String(interval), `N=${n}: ${h.name} live interval`);
      const js = st.hosts.get(h.name)!;
      assert.equal(js.state, 'verified', `N=${n}: ${h.name} journal state ${js.state}`);
      assert.equal(js.boot_id, h.bootId, `N=${n}: ${h.name} journal boot id`);
    }
    await assertWitness({ detached: labDir }, seen, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir, run } }, { playbook: pb });
    return { records, kills };
  }

  it('survives a SIGKILL after each record of a rollout with reboots (30+ points) and after a second kill while resuming', async function () {
    const ref = await crashAndResume(0);
    const total = ref.records.length;
    assert.ok(total - 1 >= 30, `a reference run has ${total} records; the harness needs 30+ crash points`);
    const covered = new Set<string>();
    const all = new Set(ref.records.slice(0, -1).map(label));
    let killed = 0;
    let allKills = 0;
    const t0 = Date.now();
    for (let n = 1; n < total; n++) {
      const { records, kills } = await crashAndResume(n, n % 7 === 0 ? 2 : 0);
      allKills += kills;
      if (kills > 0) {
        killed++;
        covered.add(label(records[n - 1]!));
      }
    }
    process.stdout.write(`      crash harness: ${killed} runs killed at records 1..${total - 1} (${allKills} SIGKILLs in all, counting kills of a resume), all resumed to converged with one boot per host; record types crashed after: ${[...covered].sort().join(' ')}; ${Math.round((Date.now() - t0) / 1000)} s\n`);
    assert.ok(killed >= 30, `only ${killed} runs were killed`);
    const missing = [...all].filter((l) => !covered.has(l));
    assert.deepEqual(missing, [], `record types never crashed after: ${missing.join(', ')}`);
  });
});
