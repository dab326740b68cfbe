// The witness itself must be able to fail: each rule is fed a claim the lab host contradicts.
import assert from 'node:assert/strict';
import { startLab, type Lab } from '../../src/lab/index.js';
import { recapStatuses, witnessDisagreements, witnessMark } from './witness.js';

describe('witness check: it catches what is not true', function () {
  this.timeout(30_000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ hosts: 2, profile: 'alinux-5.10.134-17', downtimeMs: 50 });
  });
  after(async () => lab?.stop());
  const result = (host: string, status: string, extra: Record<string, unknown> = {}) => ({ type: 'host.result', host, status, pending_reboot: false, ...extra });

  it('a host called changed that does not run the play; a claimed write the audit trail lacks', async () => {
    const mark = await witnessMark(lab);
    const events = [
      { type: 'run.start', run: 'r', check: false },
      { type: 'host.step', host: 'lab-001', path: '/sys/module/kfence/parameters/sample_interval', value: '100', ok: true },
      result('lab-001', 'changed'),
    ];
    const d = await witnessDisagreements([lab.host('lab-001')], mark, { exitCode: 0, events }, { kfence: { mode: 'sampling', sample_interval: 100, apply: 'runtime' } });
    assert.deepEqual(d, [
      'lab-001 (kfleet: changed): reported writing 100 to /sys/module/kfence/parameters/sample_interval, the audit trail has no such write',
      'lab-001 (kfleet: changed): live: sample_interval is 0, the play asks 100',
    ]);
  });

  it('the same claim, made true on the host, passes', async () => {
    const mark = await witnessMark(lab);
    await lab.host('lab-002').run('echo 100 > /sys/module/kfence/parameters/sample_interval');
    const events = [{ type: 'host.step', host: 'lab-002', path: '/sys/module/kfence/parameters/sample_interval', value: '100', ok: true }, result('lab-002', 'changed')];
    assert.deepEqual(await witnessDisagreements([lab.host('lab-002')], mark, { exitCode: 0, events }, { kfence: { mode: 'sampling', sample_interval: 100, apply: 'runtime' } }), []);
  });

  it('exit 0 with a refused host, a recap that contradicts the events, writes on a refused host, a silent reboot', async () => {
    const mark = await witnessMark(lab);
    const h = lab.host('lab-001');
    await h.run('echo 0 > /sys/kernel/slab/kmalloc-64/kfence_enable');
    await lab.host('lab-002').reboot();
    const events = [result('lab-001', 'refused'), result('lab-002', 'ok')];
    const d = await witnessDisagreements(lab, mark, { exitCode: 0, events, stdout: 'RECAP x (run r)\n  lab-001  ok\n  lab-002  ok\n' });
    assert.deepEqual(d.sort(), [
      'lab-001 (kfleet: refused): reported refused, yet the lab saw writes: /sys/kernel/slab/:0000064/kfence_enable=0',
      'lab-001: the recap says ok, the host.result event says refused',
      'lab-001: the run exited 0 but the host is refused',
      'lab-002 (kfleet: ok): the host booted 1 time(s) (reboot) and kfleet reported no reboot',
    ].sort());
    await h.run('echo 1 > /sys/kernel/slab/kmalloc-64/kfence_enable');
  });

  it('a host called reverted that is not back to the recorded state', async () => {
    const h = lab.host('lab-002');
    await h.run('echo 100 > /sys/module/kfence/parameters/sample_interval');
    const baseline = await witnessMark(lab);
    await h.run('echo 0 > /sys/module/kfence/parameters/sample_interval');
    await h.run('grubby --update-kernel=ALL --args=kfence.sample_interval=300');
    const mark = await witnessMark(lab);
    const d = await witnessDisagreements([h], mark, { exitCode: 0, events: [result('lab-002', 'reverted')] }, { revertedTo: baseline });
    assert.equal(d.length, 3, d.join('\n'));
    assert.match(d[0]!, /not back to the recorded state: sample_interval is 0, was 100/);
    assert.match(d.join('\n'), /boot entry 5\.10\.134-17\.al8\.x86_64 has .*kfence\.sample_interval=300/);
  });

  it('reads the recap', () => {
    assert.deepEqual([...recapStatuses('x\nRECAP play (run 1)\n  lab-001  \x1b[32mchanged\x1b[39m       rebooted\n  lab-002  failed  E: m\n  changed=1\n')], [['lab-001', 'changed'], ['lab-002', 'failed']]);
  });
});
