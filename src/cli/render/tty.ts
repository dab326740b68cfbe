// Live terminal renderer: finished lines scroll above a small live region that shows counts and
// the hosts in flight. Costs O(1) per event however many hosts there are (the region is redrawn
// at most every 100 ms).
import { createLogUpdate } from 'log-update';
import pc from 'picocolors';
import type { KfleetEvent } from '../../events.js';
import { formatEvent } from './plain.js';

export function ttyRenderer(out: NodeJS.WriteStream, verbose = false): { listener: (e: KfleetEvent) => void; done: () => void } {
  const update = createLogUpdate(out);
  const counts = new Map<string, number>();
  const inflight = new Map<string, string>();
  let phase = '';
  let last = 0;
  let timer: NodeJS.Timeout | null = null;
  const draw = () => {
    timer = null;
    last = Date.now();
    const c = [...counts].map(([k, v]) => `${k} ${v}`).join('  ');
    const fly = [...inflight].slice(0, 6).map(([h, s]) => `${h} ${pc.dim(s)}`).join(', ');
    update(`${pc.bold(phase)}  ${c}${inflight.size ? `\n  in flight (${inflight.size}): ${fly}${inflight.size > 6 ? ', ...' : ''}` : ''}`);
  };
  const schedule = () => {
    if (timer) return;
    const wait = Math.max(0, 100 - (Date.now() - last));
    timer = setTimeout(draw, wait);
  };
  const listener = (e: KfleetEvent) => {
    if (e.type === 'phase.start') phase = `phase ${e.phase}/${e.of}`;
    if (e.type === 'host.facts') inflight.set(e.host, 'probed');
    if (e.type === 'host.reboot') inflight.set(e.host, `reboot ${e.stage}`);
    if (e.type === 'host.result') {
      inflight.delete(e.host);
      counts.set(e.status, (counts.get(e.status) ?? 0) + 1);
    }
    const line = formatEvent(e, verbose);
    if (line !== null) {
      update.clear();
      out.write(line + '\n');
      draw();
    } else schedule();
  };
  return {
    listener,
    done: () => {
      if (timer) clearTimeout(timer);
      update.clear();
      update.done();
    },
  };
}
