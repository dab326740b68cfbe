// Facts from the real VM and from a lab host through the same code path kfleet uses: the fleet's
// (or lab's) inventory, kfleet's ssh2 transport with strict host keys, and src/facts/collectFacts.
import { loadInventory } from '../../src/inventory/load.js';
import { connectionVars } from '../../src/inventory/connection.js';
import { createTransportContext, openSession } from '../../src/transport/index.js';
import { collectFacts } from '../../src/facts/collect.js';
import type { HostFacts } from '../../src/facts/types.js';

/** Collects one host's facts as `kfleet` would (one connection, one probe round trip). */
export async function factsVia(inventoryPath: string, knownHostsPath: string, host: string): Promise<HostFacts> {
  const inv = await loadInventory(inventoryPath);
  const h = inv.hosts.find((x) => x.name === host);
  if (!h) throw new Error(`${host} is not in ${inventoryPath}`);
  const ctx = await createTransportContext({ hostKeyPolicy: 'strict', knownHostsFiles: [knownHostsPath], sshConfigFile: '/dev/null', agentSocket: null, readyTimeoutMs: 20_000 });
  const session = await openSession(connectionVars(h), ctx);
  try {
    return await collectFacts(session, host);
  } finally {
    await session.close();
  }
}
