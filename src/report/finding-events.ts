// Reports -> `host.finding` events, for the rollout's kfence_bugs gate and the live renderers:
// the same signature and title the fleet findings use, so a gate failure and `kfleet report`
// name the same bug.

import type { KfleetEvent } from '../events.js';
import { DEFAULT_SIGNATURE_FRAMES, reportSignature, reportTitle } from './findings.js';
import type { HostReports } from './types.js';

export type FindingEvent = Extract<KfleetEvent, { type: 'host.finding' }>;

/** One event per distinct signature on the host (first report wins), in report order. */
export function findingEvents(hr: HostReports, frames = DEFAULT_SIGNATURE_FRAMES): FindingEvent[] {
  const seen = new Set<string>();
  const out: FindingEvent[] = [];
  for (const r of hr.reports) {
    const signature = reportSignature(r, frames);
    if (seen.has(signature)) continue;
    seen.add(signature);
    const n = hr.reports.filter((x) => reportSignature(x, frames) === signature).length;
    out.push({ type: 'host.finding', host: hr.host, signature, kind: r.kind, summary: n > 1 ? `${reportTitle(r)} (×${n})` : reportTitle(r) });
  }
  return out;
}
