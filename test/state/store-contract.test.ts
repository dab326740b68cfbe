// The same contract for both state stores: run list, journal replay, quarantine, promote/abort,
// report cursors. A directory and a real etcd (one member) must answer alike.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { createJournal, hasRun, journalPath, listRuns, readJournal, replay, type RunMeta } from '../../src/rollout/journal.js';
import { quarantineHost, readQuarantine, releaseHost } from '../../src/rollout/quarantine.js';
import { abortRequested, consumePromote, requestAbort, requestPromote } from '../../src/rollout/control.js';
import { loadHostLog, saveHostLog } from '../../src/report/log-store.js';
import { parseStateLocation } from '../../src/state/location.js';
import { KfleetError } from '../../src/errors.js';

const meta = (run: string): RunMeta => ({ run, command: 'apply', playbook: { file: 'p.yml', sha256: 'x' }, inventory: ['inv.ini'], limit: null, play: 'p', hosts: ['a', 'b'], check: false, options: {} });

describe('state store contract', function () {
  this.timeout(60_000);
  let etcd: EtcdCluster;
  before(async () => {
    etcd = await startEtcd(1);
  });
  after(async () => etcd?.stop());

  for (const kind of ['dir', 'etcd'] as const) {
    it(`${kind}: runs, journals, quarantine, promote/abort and report cursors`, () => {
      const state = kind === 'dir' ? mkdtempSync(join(tmpdir(), 'kfleet-st-')) : etcd.url(`contract-${Date.now()}`);
      assert.deepEqual(listRuns(state), []);
      for (const run of ['r2', 'r1']) {
        const j = createJournal(state, meta(run));
        j.append({ t: 'phases', phases: [['a'], ['b']] });
        j.append({ t: 'host', host: 'a', state: 'planned', boot_id: 'b1' });
        j.append({ t: 'reboot', host: 'a', stage: 'fire', boot_id_before: 'b1' });
        j.append({ t: 'host', host: 'a', state: 'verified', boot_id: 'b2', rebooted: true });
        j.close();
      }
      assert.deepEqual(listRuns(state), ['r1', 'r2']);
      assert.equal(hasRun(state, 'r1'), true);
      assert.equal(hasRun(state, 'nope'), false);
      const st = replay(readJournal(journalPath(state, 'r1')));
      assert.equal(st.lastSeq, 5);
      assert.equal(st.hosts.get('a')!.state, 'verified');
      assert.equal(st.hosts.get('a')!.reboot_fired_boot_id, 'b1');

      quarantineHost(state, 'web/01', { run: 'r1', since: '2026-12-03T00:00:00Z', reason: 'boot loop' });
      quarantineHost(state, 'web-02', { run: 'r1', since: '2026-12-03T00:00:00Z', reason: 'boot loop' });
      assert.deepEqual(Object.keys(readQuarantine(state)).sort(), ['web-02', 'web/01']);
      assert.equal(releaseHost(state, 'web/01'), true);
      assert.equal(releaseHost(state, 'web/01'), false);

      assert.equal(abortRequested(state, 'r1'), false);
      requestAbort(state, 'r1');
      assert.equal(abortRequested(state, 'r1'), true);
      assert.equal(consumePromote(state, 'r2', 1), false);
      requestPromote(state, 'r2', 'next');
      assert.equal(consumePromote(state, 'r2', 1), true);
      assert.equal(consumePromote(state, 'r2', 1), true, 'a phase once promoted stays promoted');
      assert.equal(consumePromote(state, 'r2', 2), false, 'promote-next is used up by one phase');
      requestPromote(state, 'r2', 3);
      assert.equal(consumePromote(state, 'r2', 3), true);

      assert.deepEqual(loadHostLog(state, 'web-02').cursor, null);
      saveHostLog(state, { host: 'web-02', cursor: { boot_id: 'b', ts: 12.5, n_at_ts: 2 }, boot_time: null, release: '5.10', reports: [] });
      assert.deepEqual(loadHostLog(state, 'web-02').cursor, { boot_id: 'b', ts: 12.5, n_at_ts: 2 });
    });
  }

  it('an etcd URL is checked, and credentials in it are refused without echoing them', () => {
    assert.deepEqual(parseStateLocation('etcd://10.0.0.1:2379,10.0.0.2:2379/team/kfleet'), { kind: 'etcd', endpoints: ['10.0.0.1:2379', '10.0.0.2:2379'], prefix: 'team/kfleet/', tls: false, url: 'etcd://10.0.0.1:2379,10.0.0.2:2379/team/kfleet' });
    assert.equal((parseStateLocation('etcds://e:2379') as { prefix: string }).prefix, 'kfleet/');
    assert.throws(() => parseStateLocation('etcd://root:hunter2@e:2379/p'), (e: unknown) => e instanceof KfleetError && e.code === 'STATE_URL' && !e.message.includes('hunter2'));
    assert.throws(() => parseStateLocation('etcd://e/p'), /host:port/);
    assert.equal(parseStateLocation('/var/lib/kfleet').kind, 'dir');
  });
});
