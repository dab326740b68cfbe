// A controller joining a run as one of several (for the coordination tests), as its own process:
// join RUN on STATE with TTL, claim HOSTS (comma separated), take one reboot slot out of MAX,
// print `ready`, then append a journal record every 100 ms (`appended N`), or `error CODE` and exit 3.
import { RunMember } from '../../../src/state/coordination.js';
import { Journal, journalPath } from '../../../src/rollout/journal.js';
import { KfleetError } from '../../../src/errors.js';

const [state, run, ttl, hosts, max] = process.argv.slice(2) as [string, string, string, string, string];
try {
  const m = RunMember.join(state, run, Number(ttl) * 1000);
  const claimed = hosts.split(',').filter((h) => m.claim(h, 1));
  const slot = m.rebootSlot(Number(max));
  process.stdout.write(`ready claimed=${claimed.join(',')} slot=${slot}\n`);
  const j = new Journal(journalPath(state, run), 0);
  let n = 0;
  setInterval(() => {
    try {
      j.append({ t: 'host', host: claimed[0] ?? 'none', state: 'applied', detail: `member ${process.pid} tick ${++n}` });
      process.stdout.write(`appended ${n}\n`);
    } catch (e) {
      process.stdout.write(`error ${e instanceof KfleetError ? e.code : (e as Error).message}\n`);
      process.exit(3);
    }
  }, 100);
} catch (e) {
  process.stdout.write(`error ${e instanceof KfleetError ? e.code : (e as Error).message}: ${(e as Error).message}\n`);
  process.exit(3);
}
