// The trial fault matrix end to end: `kfleet apply` (a child process) with reboot.trial: required
// and fault: panic rolls new args to five lab hosts whose trial boot panics (a recurring KFENCE bug
// under fault=panic), hangs, never starts sshd, comes up without network, or is slow but healthy.
// The controller is SIGKILLed right after every trial reboot was fired, and a new one resumes the
// run at once; it only reads the faulty hosts (it fires nothing: the journal says so), which must be
// back, reachable, on their previous args, by themselves, within reboot.timeout plus boot time. The
// resumed run judges each boot: the healthy host is promoted before its dead man fires, the
// faulty ones are reverted (TRIAL_FELL_BACK) and quarantined; no host booted the trial twice; the
// journal replays. Witness: the lab hosts' boot records and command lines, read directly.
//
// Lab scale: a kernel second is 20 ms, a boot 150 ms (the slow one 1.5 s), reboot.timeout 15 s.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { journalPath, listRuns, readJournal, replay } from '../../src/rollout/journal.js';
import type { LabFault, LabFaultOptions, LabHost } from '../../src/lab/index.js';
import { KFLEET, kfleet, playbook, sleep, testLab, writePlaybook, type TestLab } from '../rollout/support.js';
import { ssh } from '../lab/support.js';

// The healthy trial must be confirmed by a controller started after the kill before its dead man
// fires (after reboot.timeout): 15 s leaves room for a node start and a probe at load ~12.
const TIMEOUT_S = 15;
const SLOW = 1500;
const KSEC = 20;
const BACK_WITHIN_MS = TIMEOUT_S * 1000 + 2 * SLOW + 60 * KSEC + 8000; // + a margin for this loaded machine

const CELLS: { name: string; fault: LabFault; opts: LabFaultOptions; healthy: boolean }[] = [
  { name: 'panic at boot', fault: 'boot-panic', opts: { bug: 'use-after-free', cmdline: 'kfleet.trial' }, healthy: false },
  { name: 'hang at boot', fault: 'boot-hang', opts: { cmdline: 'kfleet.trial' }, healthy: false },
  { name: 'sshd never starts', fault: 'no-sshd', opts: { cmdline: 'kfleet.trial' }, healthy: false },
  { name: 'network down', fault: 'network-down', opts: { cmdline: 'kfleet.trial' }, healthy: false },
  { name: 'slow but healthy boot', fault: 'slow-return', opts: { ms: SLOW }, healthy: true },
];

const trialBoots = (h: LabHost) => h.audit.filter((e) => e.kind === 'boot' && /(^| )kfleet\.trial=/.test(e.cmdline));

describe('trial fault matrix: controller killed after the trial reboots fire, hosts fall back by themselves', function () {
  this.timeout(240_000);
  let t: TestLab;
  before(async () => {
    t = await testLab({ hosts: CELLS.length, downtimeMs: 150 });
    for (const h of t.lab.hosts) h.kernelSecondMs = KSEC;
  });
  after(async () => t?.lab.stop());

  it('faulty hosts come back on their previous args without the controller; resume promotes the healthy one', async () => {
    const hosts = t.lab.hosts;
    const defaults = new Map(hosts.map((h) => [h.name, h.cmdline()]));
    const bootsBefore = new Map(hosts.map((h) => [h.name, h.bootCount]));
    CELLS.forEach((c, i) => hosts[i]!.fault(c.fault, c.opts));
    const pb = writePlaybook(
      t.dir,
      playbook({
        kfence: { sample_interval: 100, apply: 'boot', fault: 'panic', acknowledge_panic: true },
        rollout: { phases: ['100%'], forks: 5, max_fail_percentage: 100, soak: '0s' },
        reboot: { timeout: `${TIMEOUT_S}s`, stable_for: '1s', max_parallel: 5, trial: 'required' },
      }),
    );
    const common = [...t.common, '--state-dir', t.stateDir, '--json'];
    const child = spawn(process.execPath, [KFLEET, 'apply', pb, ...common, '--yes'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<NodeJS.Signals | number | null>((r) => child.on('exit', (code, sig) => r(sig ?? code)));
    // Kill the controller right after every host's trial reboot fired (each host went down).
    const deadline = Date.now() + 60_000;
    let firedAt = 0;
    while (Date.now() < deadline) {
      if (hosts.every((h) => h.bootCount > bootsBefore.get(h.name)! || h.state === 'down')) {
        firedAt = Date.now();
        child.kill('SIGKILL');
        break;
      }
      await sleep(20);
    }
    assert.ok(firedAt > 0, `the trial reboots were not all fired within 60 s:\n${out.slice(-3000)}`);
    assert.equal(await exited, 'SIGKILL');
    const run = listRuns(t.stateDir)[0]!;
    const mid = replay(readJournal(journalPath(t.stateDir, run)));
    assert.equal(mid.end, null);
    assert.deepEqual([...mid.hosts.values()].map((h) => h.trial?.stage).sort(), ['fired', 'fired', 'fired', 'fired', 'fired']);

    // A new controller resumes at once (as an operator or a supervisor would), so the healthy trial is
    // confirmed before its dead man fires; it only reads the faulty hosts, which must come back by
    // themselves: it fires nothing (checked in the journal below and by the lab's boot counts).
    const resuming = kfleet(['apply', '--resume', run, ...common]);
    for (const until = firedAt + BACK_WITHIN_MS; Date.now() < until; await sleep(100)) {
      if (CELLS.every((c, i) => c.healthy || (hosts[i]!.state === 'up' && hosts[i]!.cmdline() === defaults.get(hosts[i]!.name)))) break;
    }
    for (const [i, c] of CELLS.entries()) {
      const h = hosts[i]!;
      if (c.healthy) continue;
      assert.equal(h.state, 'up', `${c.name}: up by itself`);
      assert.equal(h.cmdline(), defaults.get(h.name), `${c.name}: on its previous args by itself`);
      assert.ok(h.audit.filter((e) => e.kind === 'boot').at(-1)!.time - firedAt <= BACK_WITHIN_MS, `${c.name}: within ${BACK_WITHIN_MS} ms`);
      const r = await ssh(t.lab, h, 'true');
      assert.equal(r.status, 0, `${c.name}: reachable: ${r.stderr}`);
    }

    const resumed = await resuming;
    const after = readJournal(journalPath(t.stateDir, run)).filter((r) => r.seq > mid.lastSeq);
    assert.deepEqual(after.filter((r) => (r.t === 'reboot' && r.stage === 'fire') || (r.t === 'trial' && (r.stage === 'fired' || r.stage === 'created'))), [], 'the resumed controller fired nothing');
    for (const h of hosts) h.fault('none');
    const st = replay(readJournal(journalPath(t.stateDir, run)));
    assert.notEqual(st.end, null, `the resumed run ended (exit ${resumed.code}): ${resumed.stderr}\n${resumed.stdout.slice(-2000)}`);
    for (const [i, c] of CELLS.entries()) {
      const h = hosts[i]!;
      const hs = st.hosts.get(h.name)!;
      assert.equal(trialBoots(h).length, 1, `${c.name}: booted the trial exactly once`);
      if (c.healthy) {
        assert.equal(hs.trial?.stage, 'promoted', `${c.name}: promoted`);
        assert.equal(hs.state, 'verified', `${c.name}: ${hs.state} ${JSON.stringify(hs.error)}`);
        assert.match(h.cmdline(), /kfence\.sample_interval=100/);
        assert.doesNotMatch(await h.readFile('/boot/grub2/grubenv'), /next_entry=\S/);
        const entries = (await h.run('grubby --info=ALL')).stdout;
        assert.doesNotMatch(entries, /kfleet trial/);
        assert.match((await h.run('grubby --info=DEFAULT')).stdout, /kfence\.sample_interval=100/);
        await h.reboot();
        assert.match(h.cmdline(), /kfence\.sample_interval=100/, `${c.name}: the next reboot keeps the promoted args`);
      } else {
        assert.equal(hs.trial?.stage, 'fell_back', `${c.name}: fell back`);
        assert.equal(hs.state, 'reverted');
        assert.equal(hs.error?.code, 'TRIAL_FELL_BACK');
        assert.equal(h.cmdline(), defaults.get(h.name), `${c.name}: still on its previous args`);
        assert.equal(h.bootCount - bootsBefore.get(h.name)!, 2, `${c.name}: the trial boot and the fallback, nothing else`);
        assert.doesNotMatch((await h.run('grubby --info=ALL; ls /etc/systemd/system')).stdout, /kfleet trial|kfleet-trial/);
      }
    }
  });
});
