// The panic guard's decisions (fault=panic), driven with the scripted fake fleet: a KFENCE panic
// in the boot before the one kfleet verifies, or during the soak, reverts and quarantines the host;
// without fault=panic, or for a crash that was not a KFENCE panic, the host keeps its verdict.
import assert from 'node:assert/strict';
import { readQuarantine } from '../../src/rollout/quarantine.js';
import { FakeFleet } from './fake-fleet.js';

describe('rollout engine: the panic guard (fake ports)', () => {
  let f: FakeFleet;
  afterEach(() => f?.cleanup());

  it('fault=panic, the boot after kfleet\'s reboot panics in KFENCE: reverted, quarantined, the run halts', async () => {
    f = new FakeFleet(2, { value: 100, via: 'boot' }, { 1: { panicsWithKfence: true } });
    const s = await f.run(f.play({ fault: 'panic', rollout: { phases: [{ kind: 'count', count: 1 }, { kind: 'count', count: 1 }] } }));
    const r = s.results.find((x) => x.host === 'h01')!;
    assert.equal(r.status, 'reverted');
    assert.equal(r.error?.code, 'BOOT_LOOP_REVERTED');
    assert.ok(readQuarantine(f.dir).h01, 'h01 is quarantined');
    assert.equal(s.verdict, 'halted');
    assert.equal(f.host('h02').writes, 0, 'the next phase never started');
    const j = f.journal(s.run);
    assert.equal(j.hosts.get('h01')!.state, 'reverted');
    // The ledger's one record: the event carries what the journal carries, hint included.
    const ev = f.events.find((e) => e.type === 'host.result' && e.host === 'h01');
    assert.deepEqual(ev && ev.type === 'host.result' ? ev.error : null, j.hosts.get('h01')!.error);
  });

  it('fault=report, the same panic: no guard, the host is verified (the panic is not kfleet\'s to judge)', async () => {
    f = new FakeFleet(1, { value: 100, via: 'boot' }, { 1: { panicsWithKfence: true } });
    const s = await f.run(f.play({ fault: 'report' }));
    assert.equal(s.results[0]!.status, 'rebooted');
    assert.deepEqual(readQuarantine(f.dir), {});
  });

  it('fault=panic, a KFENCE panic during the soak: reverted and quarantined', async () => {
    f = new FakeFleet(1, { value: 100, via: 'boot' }, { 1: { crashAfterBugReads: { reads: 2, panic: true } } });
    const s = await f.run(f.play({ fault: 'panic', rollout: { soak_ms: 2000 } }));
    assert.equal(s.results[0]!.status, 'reverted');
    assert.ok(readQuarantine(f.dir).h01);
  });

  it('fault=panic, one crash during the soak that was not a KFENCE panic: failed with the soak\'s verdict, not reverted', async () => {
    f = new FakeFleet(1, { value: 100, via: 'boot' }, { 1: { crashAfterBugReads: { reads: 2, panic: false } } });
    const s = await f.run(f.play({ fault: 'panic', rollout: { soak_ms: 2000 } }));
    const r = s.results[0]!;
    assert.equal(r.status, 'failed');
    assert.match(r.error?.code ?? '', /UNEXPECTED_REBOOT|CONNECTION_LOST|UNREACHABLE/);
    assert.equal(r.rebooted, true, 'the result still says kfleet rebooted it');
    assert.deepEqual(readQuarantine(f.dir), {});
    assert.equal(f.journal(s.run).hosts.get('h01')!.state, 'failed');
  });
});
