// The lab's testimony for runs driven by several controllers: per host, the reboots since an
// instant (the boot records of its audit trail, reasons other than power-on), and the most hosts
// down at once fleet-wide (each reboot's down interval: its boot record's time minus the lab's
// fixed downtime, to that time). Read from the lab's model (/witness), never through kfleet.
import { controlRequest } from '../../../src/lab/control.js';
import type { HostWitness } from '../../../src/lab/witness.js';

export interface FleetTestimony {
  hosts: HostWitness[];
  /** Reboots (boots not at power-on) per host since `since`. */
  reboots: Map<string, number>;
  /** The largest number of reboot down intervals overlapping at one instant. */
  maxDown: number;
  /** Times of every write and reboot (fire = boot time - downtime) since `since`, for fail-closed windows. */
  actions: Array<{ host: string; time: number; what: string }>;
}

export async function fleetTestimony(labDir: string, since: number, downtimeMs: number): Promise<FleetTestimony> {
  const { hosts } = await controlRequest<{ hosts: HostWitness[] }>(labDir, '/witness');
  const reboots = new Map<string, number>();
  const edges: Array<[number, number]> = [];
  const actions: FleetTestimony['actions'] = [];
  for (const h of hosts) {
    const boots = h.audit.filter((e) => e.kind === 'boot' && e.reason !== 'power-on' && e.time >= since);
    reboots.set(h.name, boots.length);
    for (const b of boots) {
      edges.push([b.time - downtimeMs, +1], [b.time, -1]);
      actions.push({ host: h.name, time: b.time - downtimeMs, what: 'reboot' });
    }
    for (const w of h.audit) if (w.kind === 'write' && w.time >= since) actions.push({ host: h.name, time: w.time, what: `write ${w.path}` });
  }
  // Ends before starts at the same instant: touching intervals do not overlap.
  edges.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let down = 0;
  let maxDown = 0;
  for (const [, d] of edges) maxDown = Math.max(maxDown, (down += d));
  return { hosts, reboots, maxDown, actions };
}
