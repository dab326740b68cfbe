// The lab's debian-12-grub profile held to the real VM, field by field: given the real VM's
// /etc/default/grub, its grub.d drop-ins (kfleet's among them after the rollout), its kernels and
// its root UUID, the lab's update-grub must print what the real one printed and generate the same
// entries (title, kernel, every argument) as the grub.cfg the real one wrote. Every difference
// fails. Then kfleet's probe: the lab host and the real VM give the same bootloader facts.
import assert from 'node:assert/strict';
import { InMemoryFs } from 'just-bash';
import { grubEntries, parseGrubMenu } from '../../src/bootloader/grub-cfg.js';
import { GRUB_CFG, updateGrub } from '../../src/lab/shell/grub.js';
import type { DebianFleet } from './fleet.js';
import { root, sharedFleet } from './shared.js';

const entries = (cfg: string): string[][] => grubEntries(parseGrubMenu(cfg)).map((e) => [e.title ?? '', e.kernel, e.args]);

describe('Debian 12 VMs: the lab debian-12-grub profile against the real GRUB (deb2)', function () {
  this.timeout(600_000);
  let fleet: DebianFleet;

  before(async function () {
    fleet = await sharedFleet();
  });

  it("the lab's update-grub prints and generates what Debian's did, from the same inputs", async function () {
    const vm = fleet.vms[2]!;
    const files: Record<string, string> = {};
    const list = (await root(fleet, vm, 'ls /etc/default/grub /etc/default/grub.d/*.cfg /etc/fstab 2>/dev/null')).split('\n').filter(Boolean);
    for (const f of list) files[f] = await root(fleet, vm, `cat ${f}`);
    for (const k of (await root(fleet, vm, 'ls /boot')).split('\n').filter((n) => n.startsWith('vmlinuz-') || n.startsWith('initrd.img-'))) files[`/boot/${k}`] = 'image\n';
    assert.ok(files['/etc/default/grub.d/kfleet-kfence.cfg'], 'the rollout left kfleet\'s drop-in: the comparison covers it');
    const real = await root(fleet, vm, 'update-grub 2>&1; echo @@; cat /boot/grub/grub.cfg');
    const [realOut = '', realCfg = ''] = real.split('@@\n');
    const fs = new InMemoryFs(Object.fromEntries(Object.entries(files).map(([p, c]) => [p, { content: c, mode: 0o644 }])));
    const lab = await updateGrub(fs);
    assert.equal(lab.stderr, realOut, 'update-grub output');
    assert.deepEqual(entries(await fs.readFile(GRUB_CFG)), entries(realCfg), 'entries: title, kernel, args');
    assert.match(realCfg, /^set default="0"$/m);
    assert.match(await fs.readFile(GRUB_CFG), /^set default="0"$/m);
  });
});
