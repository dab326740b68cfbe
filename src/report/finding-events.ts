// Reports -> `host.finding` events, for the rollout's kfence_bugs gate and the live renderers:
// the same signature and title the fleet findings use, so a gate failure and `kfleet report`
// name the same bug.

import type { KfleetEvent } from '../events.js';
import { DEFAULT_SIGNATURE_FRAMES, reportSignature, reportTitle } from './findings.js';
import type { HostReports } from './types.js';

export type FindingEvent = Extract<KfleetEvent, { type: 'host.finding' }>;

/** One event per distinct signature on the host (first report wins), in report order. */
export function findingEvents(hr: HostReports, frames = DEFAULT_SIGNATURE_FRAMES): FindingEvent[] {
  const bySig = new Map<string, { first: HostReports['reports'][number]; n: number }>();
  for (const r of hr.reports) {
    const signature = reportSignature(r, frames);
    const e = bySig.get(signature);
    if (e) e.n++;
    else bySig.set(signature, { first: r, n: 1 });
  }
  return [...bySig].map(([signature, { first, n }]) => ({
    type: 'host.finding',
    host: hr.host,
    signature,
    kind: first.kind,
    summary: n > 1 ? `${reportTitle(first)} (×${n})` : reportTitle(first),
  }));
}
