// The child controllers' loop: one journal record every 100 ms, `appended N` after each durable
// append, `error CODE` and exit 3 the moment one is refused (or anything before it failed).
import type { Journal } from '../../../src/rollout/journal.js';
import { KfleetError } from '../../../src/errors.js';

export function fail(e: unknown): never {
  process.stdout.write(`error ${e instanceof KfleetError ? e.code : (e as Error).message}\n`);
  process.exit(3);
}

export function tick(j: Journal, host: string, first = 1): void {
  let n = first;
  setInterval(() => {
    try {
      j.append({ t: 'host', host, state: 'applied', detail: `pid ${process.pid} tick ${++n}` });
      process.stdout.write(`appended ${n}\n`);
    } catch (e) {
      fail(e);
    }
  }, 100);
}
