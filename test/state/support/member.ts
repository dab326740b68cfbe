// A controller joining a run as one of several (for the coordination tests), as its own process:
// join RUN on STATE with TTL, claim HOSTS (comma separated), take one reboot slot out of MAX,
// print `ready`, then append a journal record every 100 ms (support/tick.ts).
import { RunMember } from '../../../src/state/coordination.js';
import { Journal, journalPath } from '../../../src/rollout/journal.js';
import { fail, tick } from './tick.js';

const [state, run, ttl, hosts, max] = process.argv.slice(2) as [string, string, string, string, string];
try {
  const m = RunMember.join(state, run, Number(ttl) * 1000);
  const claimed = hosts.split(',').filter((h) => m.claim(h, 1));
  const slot = m.rebootSlot(Number(max));
  process.stdout.write(`ready claimed=${claimed.join(',')} slot=${slot}\n`);
  tick(new Journal(journalPath(state, run), 0), claimed[0] ?? 'none', 0);
} catch (e) {
  fail(e);
}
