// A controller stand-in for the lock tests, as a separate process: take the fleet lock for RUN on
// STATE, open its journal, then append one record every 100 ms (support/tick.ts).
import { FleetLock } from '../../../src/rollout/lock.js';
import { createJournal } from '../../../src/rollout/journal.js';
import { fail, tick } from './tick.js';

const [state, run, ttl] = process.argv.slice(2) as [string, string, string];
try {
  FleetLock.acquire(state, run, { ttlMs: Number(ttl) * 1000 });
  const j = createJournal(state, { run, command: 'apply', playbook: { file: 'p.yml', sha256: 'x' }, inventory: [], limit: null, play: 'p', hosts: ['h'], check: false, options: {} });
  process.stdout.write('locked\n');
  tick(j, 'h');
} catch (e) {
  fail(e);
}
