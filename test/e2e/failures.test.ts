// Issue 4, "Done when" 3: hosts that fail mid-apply (connection cut, slow command, a write the
// kernel rejects silently) end as `failed` with the cause; the other hosts finish.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { auditMark, events, kfleet, labPlaybook, tmp, writesSince } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

describe('e2e: hosts failing mid-apply', function () {
  this.timeout(90_000);
  let lab: Lab;
  let dir: string;
  before(async () => {
    dir = tmp('fail');
    // lab-005 is fragmented: no free contiguous 1 GiB block, so an Alinux full-mode enable fails silently.
    lab = await startLab({ hosts: 5, profile: 'alinux-5.10.134-17', stateDir: dir, downtimeMs: 100, memory: (n) => ({ totalMiB: 32768, ...(n === 'lab-005' ? { contiguousGiBPerNode: 0 } : {}) }) });
  });
  after(async () => lab?.stop());

  it('cut connection, slow command and a silently rejected enable fail with their cause; the rest converge', async () => {
    // Full mode on kmalloc-64 at runtime, one global 1 GiB area.
    const file = labPlaybook(dir, 'slab-full-mode.yml', 'lab', { kfence: { pool_mode: 'global', num_objects: 131071 } });
    const mark = auditMark(lab.hosts);
    const seen = await witnessMark(lab);
    let armed = false;
    // The faults start once the run starts, after the facts were collected: the apply itself is hit.
    const onStdout = (chunk: string) => {
      if (armed || !chunk.includes('"type":"run.start"')) return;
      armed = true;
      lab.host('lab-002').fault('cut-mid-command', { ms: 30 });
      lab.host('lab-003').fault('slow-command', { ms: 12_000 });
    };
    const started = Date.now();
    const a = await kfleet(['apply', file, '-i', lab.inventoryPath, '--state-dir', join(dir, 'state'), '--yes', '--json', '--command-timeout', '3'], {}, onStdout);
    for (const h of lab.hosts) h.fault('none');
    assert.ok(armed);
    const r = new Map(events(a.stdout).filter((e) => e.type === 'host.result').map((e) => [e.host as string, e as unknown as { status: string; error?: { code: string; message: string } }]));
    const show = JSON.stringify([...r], null, 1);
    assert.equal(r.get('lab-001')?.status, 'changed', show);
    assert.equal(r.get('lab-004')?.status, 'changed', show);
    assert.match(r.get('lab-002')!.error!.code, /CONNECTION_LOST|UNREACHABLE/, show);
    assert.equal(r.get('lab-003')!.error!.code, 'TIMEOUT', show);
    assert.match(r.get('lab-003')!.error!.message, /3 ?s|3000 ?ms|timed out/i);
    // The read-back caught what the kernel did not do: the enable is named.
    assert.match(`${r.get('lab-005')!.error!.code} ${r.get('lab-005')!.error!.message}`, /sample_interval|enable/i, show);
    assert.ok(writesSince(lab.hosts, mark).some((w) => w.host === 'lab-005' && w.path.endsWith('/sample_interval')), 'lab-005 got the enable write');
    assert.equal((await lab.host('lab-005').readFile('/sys/module/kfence/parameters/sample_interval')).trim(), '0', 'the lab kernel left it at 0');
    assert.equal((await lab.host('lab-001').readFile('/sys/module/kfence/parameters/sample_interval')).trim(), '-1');
    // Reached, planned and then failed during the writes: `failed` (not `unreachable`), cause in the error.
    assert.deepEqual(['lab-002', 'lab-003', 'lab-005'].map((n) => [n, r.get(n)?.status]), [['lab-002', 'failed'], ['lab-003', 'failed'], ['lab-005', 'failed']], show);
    assert.equal(a.code, 1);
    assert.ok(Date.now() - started < 40_000, 'a slow host does not hold the run for long');
    await assertWitness(lab, seen, { exitCode: a.code, events: events(a.stdout), journal: { stateDir: join(dir, 'state') } }, { playbook: file });
  });
});
