// kfleet's facts probe (src/facts, through kfleet's own transport as sre with sudo) on the real
// deb0 and on a lab debian-12-grub host brought into the same state through kfleet's CLI: two
// kernels installed (the newer running and GRUB's default), kfleet's drop-in with
// sample_interval=100 and the per-slab boot unit, after a reboot through the bootloader.
// Compared field by field: the kernel and KFENCE (test/vm/facts-compare.ts, as the busybox tier
// compares upstream-6.12) and the bootloader (boot-facts-compare.ts). A difference fails: the lab
// profile (or the probe) is wrong somewhere.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLab, type Lab } from '../../src/lab/index.js';
import { compareFacts } from '../vm/facts-compare.js';
import { factsVia } from '../vm/facts-pair.js';
import { kfleet, output, playbook } from '../vm/kfleet-cli.js';
import { compareBootFacts } from './boot-facts-compare.js';
import type { DebianFleet } from './fleet.js';
import { SRE_SUDO_PASSWORD } from './paths.js';
import { bootPlay } from './plays.js';
import { sharedFleet } from './shared.js';

describe('Debian 12 VMs: the facts probe on the real deb0 and on the lab debian-12-grub profile', function () {
  this.timeout(900_000);
  let fleet: DebianFleet;
  let lab: Lab;

  before(async function () {
    fleet = await sharedFleet();
    lab = await startLab({ hosts: 1, profile: 'debian-12-grub', become: 'sudo-password', sudoPassword: SRE_SUDO_PASSWORD, downtimeMs: 30, stateDir: join(fleet.runDir, 'lab') });
  });
  after(async function () {
    await lab?.stop();
  });

  it('agree field by field after the same boot-time change (drop-in, boot unit, reboot) on two installed kernels', async function () {
    // deb0 got bootPlay() in the rollout, then the newer kernel as default and a reboot into it.
    const play = playbook({ runDir: join(fleet.runDir, 'lab') }, 'lab-boot-100', bootPlay().replace('hosts: debian', 'hosts: all'));
    const r = await kfleet(lab, 'apply', ['--yes', '--json', play], 600_000);
    assert.equal(r.code, 0, output(r));
    assert.deepEqual(r.events.filter((e) => e.type === 'host.result').map((e) => e['status']), ['rebooted'], output(r));
    const host = lab.hosts[0]!;
    const [real, model] = await Promise.all([factsVia(fleet.inventoryPath, fleet.knownHostsPath, 'deb0'), factsVia(lab.inventoryPath, lab.knownHostsPath, host.name)]);
    assert.equal(real.kernel.release, fleet.image.secondKernel, 'deb0 runs the newer kernel (the update scenario)');
    const diffs = [...compareFacts(real, model), ...compareBootFacts(real, model)];
    if (diffs.length) assert.fail(`the lab debian-12-grub host differs from the real VM in ${diffs.length} field(s):\n  ${diffs.join('\n  ')}`);
  });
});
