// The kfleet contender of bench/run.ts's fan-out comparison: kfleet's own transport (src/transport:
// ssh config resolved once, known_hosts parsed once, keys parsed once, one session per host, the
// connect limiter) running ONE short command on every host of an inventory at FORKS concurrency,
// as `ansible -m raw` and `parallel-ssh` do in the same comparison. Not a kfleet command: the CLI
// always runs the full facts probe, whose cost in the lab hides the transport (see README).
//   node --import tsx/esm bench/fanout-kfleet.ts INVENTORY KNOWN_HOSTS FORKS COMMAND
// Prints "ok N" (hosts whose output held a boot id).
import pLimit from 'p-limit';
import { connectionVars } from '../src/inventory/connection.js';
import { loadInventory } from '../src/inventory/load.js';
import { createTransportContext, openSession, type HostSession } from '../src/transport/index.js';

const [invPath, knownHosts, forksArg, command] = process.argv.slice(2);
if (!invPath || !knownHosts || !forksArg || !command) throw new Error('usage: fanout-kfleet.ts INVENTORY KNOWN_HOSTS FORKS COMMAND');
const forks = Number(forksArg);
const inventory = await loadInventory(invPath);
const ctx = await createTransportContext({ knownHostsFiles: [knownHosts], forks, readyTimeoutMs: 60_000, commandTimeoutMs: 60_000 });
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/;
let ok = 0;
const limit = pLimit(forks);
await Promise.all(
  inventory.hosts.map((h) =>
    limit(async () => {
      let s: HostSession | undefined;
      try {
        s = await openSession(connectionVars(h), ctx);
        const r = await s.exec(command);
        if (r.code === 0 && UUID.test(r.stdout)) ok++;
      } catch {
        /* counted as not ok */
      } finally {
        await s?.close().catch(() => {});
      }
    }),
  ),
);
process.stdout.write(`ok ${ok}\n`);
