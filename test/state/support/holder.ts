// A controller stand-in for the lock tests, as a separate process: take the fleet lock for RUN on
// STATE, open its journal, then append one record every 100 ms, printing `appended SEQ` after each
// durable append. Exits with `error CODE` (code 3) the moment an append is refused.
import { FleetLock } from '../../../src/rollout/lock.js';
import { createJournal } from '../../../src/rollout/journal.js';
import { KfleetError } from '../../../src/errors.js';

const [state, run, ttl] = process.argv.slice(2) as [string, string, string];
try {
  FleetLock.acquire(state, run, { ttlMs: Number(ttl) * 1000 });
  const j = createJournal(state, { run, command: 'apply', playbook: { file: 'p.yml', sha256: 'x' }, inventory: [], limit: null, play: 'p', hosts: ['h'], check: false, options: {} });
  let n = 1;
  process.stdout.write('locked\n');
  setInterval(() => {
    try {
      j.append({ t: 'host', host: 'h', state: 'planned', detail: `tick ${++n}` });
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
