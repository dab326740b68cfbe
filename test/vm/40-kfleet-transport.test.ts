// kfleet's own inventory loader and ssh2 transport against the real VM: the fleet's inventory
// and known_hosts are what kfleet will be pointed at, and dropbear is a different SSH server
// from the lab's ssh2 servers.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadInventory } from '../../src/inventory/load.js';
import { connectionVars } from '../../src/inventory/connection.js';
import { createTransportContext, openSession } from '../../src/transport/index.js';
import type { FleetVm, VmFleet } from './fleet.js';
import { run, sharedFleet } from './shared.js';

describe('real kernel: kfleet\'s inventory and ssh2 transport reach the VM', function () {
  let fleet: VmFleet;
  let vm: FleetVm;

  before(async function () {
    fleet = await sharedFleet();
    const first = fleet.vms[0];
    assert.ok(first);
    vm = first;
  });

  async function context(knownHosts: string) {
    return createTransportContext({ hostKeyPolicy: 'strict', knownHostsFiles: [knownHosts], sshConfigFile: '/dev/null', agentSocket: null, readyTimeoutMs: 20_000 });
  }

  it('loads the fleet inventory and runs a command over one ssh2 session with strict host keys', async function () {
    const inv = await loadInventory(fleet.inventoryPath);
    const host = inv.hosts.find((h) => h.name === vm.name);
    assert.ok(host, 'the VM is in the inventory');
    assert.ok(host.groups.includes('vms'));
    const conn = connectionVars(host);
    const session = await openSession(conn, await context(fleet.knownHostsPath));
    try {
      const r = await session.exec('cat /proc/sys/kernel/random/boot_id; uname -r');
      assert.equal(r.code, 0, r.stderr);
      const viaOpenSsh = await run(fleet, vm, 'cat /proc/sys/kernel/random/boot_id; uname -r');
      assert.equal(r.stdout, viaOpenSsh);
      const bad = await session.exec('echo -1 > /sys/module/kfence/parameters/sample_interval');
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /Invalid argument/);
    } finally {
      await session.close();
    }
  });

  it('refuses the VM when known_hosts holds another key for it', async function () {
    const inv = await loadInventory(fleet.inventoryPath);
    const host = inv.hosts.find((h) => h.name === vm.name);
    assert.ok(host);
    const wrong = join(fleet.runDir, 'known_hosts.wrong');
    // Another ed25519 key (the client's own) pinned for this VM's address.
    const other = fleet.assets.clientPublicKey.split(' ').slice(0, 2).join(' ');
    assert.notEqual(other, vm.hostKey);
    writeFileSync(wrong, `[127.0.0.1]:${vm.port} ${other}\n`);
    await assert.rejects(openSession(connectionVars(host), await context(wrong)), (e: Error) => /host key/i.test(`${e.message} ${(e as { code?: string }).code ?? ''}`));
  });
});
