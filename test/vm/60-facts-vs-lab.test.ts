// The facts probe (src/facts) against the real VM and against a lab upstream-6.12 host, both
// brought into the same states by the same commands, compared field by field (facts-compare.ts).
// A difference fails: the lab's model of the kernel (or the probe) is wrong somewhere.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startLab, type Lab, type LabHost } from '../../src/lab/index.js';
import { bootWith, ssh as labSsh } from '../lab/support.js';
import { bootWithArgs } from './boot.js';
import { compareFacts } from './facts-compare.js';
import { factsVia } from './facts-pair.js';
import type { FleetVm, VmFleet } from './fleet.js';
import { run, sharedFleet } from './shared.js';

const P = '/sys/module/kfence/parameters';
/** Runtime writes applied to both (each must succeed on both). */
const WRITES = [`echo 100 > ${P}/sample_interval`, `echo 2 > ${P}/burst`, 'echo 1 > /sys/kernel/slab/kmalloc-64/skip_kfence'];

describe('real kernel vs lab: facts field by field (upstream-6.12)', function () {
  let fleet: VmFleet;
  let vm: FleetVm;
  let lab: Lab;
  let host: LabHost;

  async function compare(): Promise<void> {
    const [real, model] = await Promise.all([factsVia(fleet.inventoryPath, fleet.knownHostsPath, vm.name), factsVia(lab.inventoryPath, lab.knownHostsPath, host.name)]);
    const diffs = compareFacts(real, model);
    if (diffs.length) assert.fail(`the lab differs from the real kernel in ${diffs.length} field(s):\n  ${diffs.join('\n  ')}`);
  }

  before(async function () {
    fleet = await sharedFleet();
    const first = fleet.vms[0];
    assert.ok(first);
    vm = first;
    lab = await startLab({ hosts: 1, profile: 'upstream-6.12', become: 'root', downtimeMs: 30, stateDir: join(fleet.runDir, 'lab') });
    const h = lab.hosts[0];
    assert.ok(h);
    host = h;
  });
  after(async function () {
    await lab?.stop();
  });

  it('agree on a fresh boot without kfence args', async function () {
    await bootWithArgs(fleet, vm, '');
    await compare();
  });

  it('agree after the same runtime writes (late enable, burst, skip_kfence)', async function () {
    for (const w of WRITES) {
      await run(fleet, vm, w);
      const r = await labSsh(lab, host, w);
      assert.equal(r.status, 0, `lab: ${w}: ${r.stderr}`);
    }
    await compare();
  });

  it('agree after a reboot with kfence.sample_interval=100 set by grubby', async function () {
    await bootWithArgs(fleet, vm, 'kfence.sample_interval=100');
    await bootWith(lab, host, 'kfence.sample_interval=100');
    await compare();
  });
});
