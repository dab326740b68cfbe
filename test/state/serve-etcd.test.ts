// kfleet serve on the etcd store: the runs list and a run's view come from etcd through the store
// port, and a run's row follows its journal as records are added (the version of a journal in etcd
// is its last seq; a state directory's is the file's size). Promote/abort land in etcd.
import assert from 'node:assert/strict';
import { startEtcd, type EtcdCluster } from './support/etcd.js';
import { createJournal, type RunMeta } from '../../src/rollout/journal.js';
import { startServe, type Served } from '../../src/serve/server.js';
import { stateStore } from '../../src/state/open.js';

const meta = (run: string): RunMeta => ({ run, command: 'apply', playbook: { file: 'p.yml', sha256: 'x' }, inventory: [], limit: null, play: 'p', hosts: ['h1', 'h2'], check: false, options: {} });

describe('kfleet serve on etcd', function () {
  this.timeout(60_000);
  let etcd: EtcdCluster;
  let served: Served | undefined;
  before(async () => {
    etcd = await startEtcd(1);
  });
  after(async () => {
    await served?.close();
    await etcd?.stop();
  });

  it('lists runs from etcd, follows a journal as it grows, and leaves abort requests there', async () => {
    const url = etcd.url('serve');
    const j = createJournal(url, meta('r-serve'));
    j.append({ t: 'phases', phases: [['h1'], ['h2']] });
    served = await startServe({ stateDir: url, pollMs: 100, allowControl: true, token: 'tok' });
    const get = async <T>(path: string) => (await (await fetch(new URL(path, served!.url))).json()) as T;
    const rows = await get<Array<{ run: string; verdict: string | null; host_count: number }>>('api/runs');
    assert.deepEqual(rows.map((r) => [r.run, r.verdict, r.host_count]), [['r-serve', null, 2]]);
    assert.equal(stateStore(url).journalVersion('r-serve'), 2);
    assert.equal(stateStore(url).journalVersion('no-such-run'), -1);

    j.append({ t: 'phase', index: 0, state: 'start' });
    j.append({ t: 'end', verdict: 'converged', exit_code: 0 });
    const after = await get<Array<{ run: string; verdict: string | null }>>('api/runs');
    assert.equal(after[0]?.verdict, 'converged', 'the cached row was re-read once the journal grew in etcd');
    const view = await get<{ phases: Array<{ hosts: string[] }>; exit_code: number }>('api/runs/r-serve');
    assert.deepEqual(view.phases.map((p) => p.hosts), [['h1'], ['h2']]);
    assert.equal(view.exit_code, 0);

    const j2 = createJournal(url, meta('r-live'));
    j2.append({ t: 'phases', phases: [['h1', 'h2']] });
    const r = await fetch(new URL('api/runs/r-live/abort', served.url), { method: 'POST', headers: { authorization: 'Bearer tok', origin: served.url.replace(/\/$/, '') } });
    assert.ok(r.status < 300, `abort: ${r.status} ${await r.text()}`);
    assert.equal(stateStore(url).abortRequested('r-live'), true, 'the abort request is in etcd');
  });
});
