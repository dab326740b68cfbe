// Chooses the renderer for a command: NDJSON events with --json, a live region on a terminal,
// plain lines otherwise.
import { EventBus } from '../events.js';
import { ndjsonRenderer, plainRenderer } from './render/plain.js';
import { ttyRenderer } from './render/tty.js';

export function setupOutput(o: { json?: boolean | undefined; verbose?: boolean | undefined }): { bus: EventBus; done: () => void } {
  const bus = new EventBus();
  if (o.json) {
    bus.on(ndjsonRenderer(process.stdout));
    return { bus, done: () => {} };
  }
  if (process.stdout.isTTY && !process.env.CI) {
    const t = ttyRenderer(process.stdout, o.verbose ?? false);
    bus.on(t.listener);
    return { bus, done: t.done };
  }
  bus.on(plainRenderer(process.stdout, o.verbose ?? false));
  return { bus, done: () => {} };
}
