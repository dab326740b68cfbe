// The trial cycle on lab hosts with kfleet's own scripts (src/bootloader/trial-grubby.ts): a copy of
// the default entry with the new args, the guard args and the token; the dead man armed before the
// reboot; grub2-reboot and the detached reboot; then nothing from the controller. Every faulty host
// (panic at boot, hang at boot, sshd never starting, network down) must come back by itself,
// reachable over a fresh SSH session, on its previous args, within the dead man's timeout plus boot
// time, having booted the trial exactly once; the slow healthy host is confirmed in the trial boot
// (fresh session: new boot id, the token and the new args in /proc/cmdline, the live KFENCE state),
// disarmed, cleaned up and promoted, and its next reboot keeps the new args. Witness: the lab's boot
// records and disk, read directly.
//
// Lab scale: one kernel second = 20 ms (panic=10 -> 200 ms, the soft-lockup detector's 22 s -> 440 ms),
// boot downtime 100 ms, a slow boot 1.5 s, the dead man's timeout 8 s.
import assert from 'node:assert/strict';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import type { LabFault, LabFaultOptions } from '../../src/lab/index.js';
import { buildDeadManArmScript, buildTrialCleanupScript, buildTrialCreateScript, buildTrialFireScript, parseTrialCreated, trialBootRead, trialToken } from '../../src/bootloader/trial-grubby.js';
import { fireCommand } from '../../src/rollout/reboot.js';
import { buildBootArgsScript } from '../../src/converge/boot-args.js';
import { guardArgs } from '../../src/plan/trial.js';
import { trialFactsRead } from '../../src/facts/reads/trial-facts.js';
import { ssh, sleep } from '../lab/support.js';

const KSEC = 20;
const DOWNTIME = 100;
const SLOW = 1500;
const DEADMAN_S = 8; // the healthy host must be confirmed and disarmed within it (OpenSSH clients at load ~12)
/** The dead man's timeout plus boot time (two boots: the trial's and the fallback's), with a margin for this loaded machine. */
const BACK_WITHIN_MS = DEADMAN_S * 1000 + 2 * (SLOW + DOWNTIME) + 60 * KSEC + 8000;

interface Cell {
  name: string;
  fault: LabFault | null;
  opts?: LabFaultOptions;
  args: string[];
  healthy: boolean;
}

const NEW_ARGS = ['kfence.sample_interval=100'];
const CELLS: Cell[] = [
  { name: 'panic at boot', fault: 'boot-panic', opts: { bug: 'use-after-free', cmdline: 'kfleet.trial' }, args: [...NEW_ARGS, 'kfence.fault=panic'], healthy: false },
  { name: 'hang at boot', fault: 'boot-hang', opts: { cmdline: 'kfleet.trial' }, args: NEW_ARGS, healthy: false },
  { name: 'sshd never starts', fault: 'no-sshd', opts: { cmdline: 'kfleet.trial' }, args: NEW_ARGS, healthy: false },
  { name: 'network down', fault: 'network-down', opts: { cmdline: 'kfleet.trial' }, args: NEW_ARGS, healthy: false },
  { name: 'slow but healthy boot', fault: 'slow-return', opts: { ms: SLOW }, args: NEW_ARGS, healthy: true },
];

async function root(lab: Lab, h: LabHost, script: string): Promise<string> {
  const r = await ssh(lab, h, script);
  assert.equal(r.status, 0, `${h.name}: ${script.slice(0, 80)}: ${r.stderr}`);
  return r.stdout;
}

const trialBoots = (h: LabHost, id: string) => h.audit.filter((e) => e.kind === 'boot' && e.cmdline.split(/\s+/).includes(trialToken(id)));

describe('trial boots: the host-side cycle on the lab (kfleet scripts, no controller after the fire)', function () {
  this.timeout(BACK_WITHIN_MS + 60_000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ hosts: CELLS.length, profile: 'alinux-5.10.134-17', downtimeMs: DOWNTIME });
    for (const h of lab.hosts) h.kernelSecondMs = KSEC;
  });
  after(async () => lab?.stop());

  it('every faulty host falls back by itself; the healthy slow one is confirmed and promoted', async () => {
    const setups = await Promise.all(
      CELLS.map(async (c, i) => {
        const h = lab.hosts[i]!;
        const id = `t${i + 1}`;
        // kernel.panic = 0 as on a stock RHEL/Debian host: the trial entry must carry panic=.
        await root(lab, h, 'rm -f /etc/sysctl.d/50-lab-panic.conf; sysctl -w kernel.panic=0 >/dev/null');
        const facts = trialFactsRead.parse(await root(lab, h, trialFactsRead.command), 0);
        const guards = guardArgs(facts);
        assert.deepEqual(guards, ['panic=10', 'softlockup_panic=1']);
        const defaultCmdline = h.cmdline();
        const kernel = `/boot/vmlinuz-${h.profile.release}`;
        const created = parseTrialCreated(await root(lab, h, buildTrialCreateScript({ id, kernel, add: [...c.args, ...guards], remove: [] })));
        assert.match(created.args, new RegExp(`kfence\\.sample_interval=100 .*panic=10 softlockup_panic=1 kfleet\\.trial=${id}$`));
        assert.match(await root(lab, h, buildDeadManArmScript(id, DEADMAN_S)), /^enabled$/m);
        if (c.fault) h.fault(c.fault, c.opts ?? {});
        const bootId = h.bootId;
        const r = await ssh(lab, h, buildTrialFireScript(created.entryId, fireCommand('run-trial', bootId)));
        assert.equal(r.status, 0, r.stderr);
        return { c, h, id, defaultCmdline, bootId, firedAt: Date.now(), bootsBefore: h.bootCount };
      }),
    );
    // From here on the controller does nothing to the faulty hosts: they must come back by themselves.
    const results = await Promise.all(
      setups.map(async (s) => {
        const { c, h, id } = s;
        if (c.healthy) {
          // Confirm over a fresh session in the trial boot: a new boot id, the token and the args, the live state.
          let st;
          for (const until = Date.now() + BACK_WITHIN_MS; Date.now() < until; await sleep(100)) {
            const r = await ssh(lab, h, trialBootRead(id).command, { extra: ['-o', 'ConnectTimeout=2'] });
            if (r.status !== 0) continue;
            st = trialBootRead(id).parse(r.stdout, 0);
            if (st.bootId !== s.bootId) break;
          }
          assert.ok(st && st.bootId !== s.bootId && st.inTrial && st.deadManActive, JSON.stringify(st));
          assert.match(st.cmdline, /kfence\.sample_interval=100/);
          assert.equal((await root(lab, h, 'cat /sys/module/kfence/parameters/sample_interval')).trim(), '100');
          // Disarm and clean up, then promote: the new args onto the default entry (kfleet's converge script).
          assert.match(await root(lab, h, buildTrialCleanupScript()), /@@kfleet-trial-clean/);
          await root(lab, h, buildBootArgsScript({ mechanism: 'grubby', kernels: [`/boot/vmlinuz-${h.profile.release}`], add: NEW_ARGS, remove: [], entries: [] }));
          await sleep(DEADMAN_S * 1000 + 500); // the dead man would have fired by now
          assert.equal(h.bootCount, s.bootsBefore + 1, 'the disarmed dead man did not reboot the host');
          h.fault('none');
          await h.reboot();
          return { s, st };
        }
        for (const until = s.firedAt + BACK_WITHIN_MS; Date.now() < until; await sleep(100)) {
          if (h.state === 'up' && trialBoots(h, id).length > 0 && !h.cmdline().includes(trialToken(id))) break;
        }
        h.fault('none'); // the fault belongs to the trial's args; the default boot never had it
        return { s };
      }),
    );
    for (const { s } of results) {
      const { c, h, id } = s;
      const label = `${c.name} (${h.name})`;
      assert.equal(trialBoots(h, id).length, 1, `${label}: booted the trial exactly once`);
      assert.equal(h.state, 'up', `${label}: up`);
      const cmd = await ssh(lab, h, 'cat /proc/cmdline');
      assert.equal(cmd.status, 0, `${label}: reachable over SSH: ${cmd.stderr}`);
      if (c.healthy) {
        assert.match(cmd.stdout, /kfence\.sample_interval=100/, `${label}: promoted, and the next reboot keeps the new args`);
        assert.doesNotMatch(cmd.stdout, /kfleet\.trial|panic=10|softlockup_panic/, `${label}: the trial's token and guards are not promoted`);
        assert.doesNotMatch(await root(lab, h, 'grubby --info=ALL'), /kfleet trial/);
      } else {
        assert.equal(cmd.stdout.trim(), s.defaultCmdline, `${label}: back on its previous args`);
        const last = h.audit.filter((e) => e.kind === 'boot').at(-1)!;
        assert.ok(last.kind === 'boot' && last.time - s.firedAt <= BACK_WITHIN_MS, `${label}: back within ${BACK_WITHIN_MS} ms`);
        // Findings from the failed boot, where it left any (pstore keeps a panic's log).
        if (c.fault === 'boot-panic') assert.match(await root(lab, h, 'cat /sys/fs/pstore/* 2>/dev/null'), /kfence\.fault=panic|BUG: KFENCE/);
        // Afterwards kfleet cleans up: no trial entry, no dead man, no one-shot left.
        assert.match(await root(lab, h, buildTrialCleanupScript()), /@@kfleet-trial-clean/);
        assert.doesNotMatch(await root(lab, h, 'ls /etc/systemd/system; grub2-editenv - list'), /kfleet-trial|next_entry=\S/);
      }
    }
  });
});
