// How fast kfleet notices a host back after a reboot, measured over 20 lab reboots: the engine's
// own figure (the host.reboot 'up' event: "noticed N ms after SSH answered", from the first
// accepted TCP connection to the new boot id read) and the lab's witness (the time of the 'up'
// event minus the lab's boot record of that boot id; the lab listens right after booting).
// Prints the numbers (the README's "Rollout semantics" quotes them).
import assert from 'node:assert/strict';
import { kfleet, playbook, testLab, writePlaybook, type TestLab } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

function stats(xs: number[]): { n: number; median: number; p90: number; max: number } {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
  return { n: s.length, median: at(0.5), p90: at(0.9), max: s[s.length - 1]! };
}

describe('reboot notice latency (lab, 20 reboots)', function () {
  this.timeout(180_000);
  let t: TestLab;
  after(async () => t?.lab.stop());

  it('notices a host within about a second of its SSH answering', async () => {
    t = await testLab({ hosts: 10, downtimeMs: 300 });
    const noticed: number[] = [];
    const witness: number[] = [];
    for (const interval of [200, 300]) {
      const pb = writePlaybook(t.dir, playbook({ kfence: { sample_interval: interval, apply: 'boot' }, rollout: { phases: ['100%'], soak: '0s' }, reboot: { max_parallel: 5, stable_for: '0s' } }), `p${interval}.yml`);
      const seen = await witnessMark(t.lab);
      const r = await kfleet(['apply', pb, ...t.common, '--state-dir', t.stateDir, '--yes', '--json']);
      assert.equal(r.code, 0, r.stderr);
      await assertWitness(t.lab, seen, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir: t.stateDir } }, { playbook: pb });
      for (const e of r.events.filter((x) => x.type === 'host.reboot' && x.stage === 'up')) {
        const m = /noticed (\d+) ms after SSH answered/.exec(String(e.detail));
        assert.ok(m, `no notice figure in ${JSON.stringify(e)}`);
        noticed.push(Number(m[1]));
        const boot = t.lab.host(String(e.host)).audit.find((a) => a.kind === 'boot' && a.bootId === e.boot_id);
        assert.ok(boot && boot.kind === 'boot');
        witness.push(Date.parse(String(e.ts)) - boot.time);
      }
    }
    const a = stats(noticed);
    const b = stats(witness);
    process.stdout.write(`      reboot notice over ${a.n} reboots: kfleet's figure median ${a.median} ms, p90 ${a.p90} ms, max ${a.max} ms; lab boot -> kfleet 'up' median ${b.median} ms, p90 ${b.p90} ms, max ${b.max} ms\n`);
    assert.equal(a.n, 20);
    assert.ok(a.median <= 1000, `median notice ${a.median} ms`);
    assert.ok(b.median <= 1500, `median lab boot -> up ${b.median} ms`);
  });
});
