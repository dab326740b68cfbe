// Reports -> `host.finding` events, for the rollout's kfence_bugs gate and the live renderers:
// the host's reports grouped by the fleet findings' rule (buildFindings), so a gate failure and
// `kfleet report` name the same bug with the same signature and title.

import type { KfleetEvent } from '../events.js';
import { buildFindings } from './findings.js';
import type { HostReports } from './types.js';

export type FindingEvent = Extract<KfleetEvent, { type: 'host.finding' }>;

/** One event per bug on the host (syzkaller's rule), most reports first. */
export function findingEvents(hr: HostReports): FindingEvent[] {
  return buildFindings([hr]).map((f) => ({
    type: 'host.finding',
    host: hr.host,
    signature: f.signature,
    kind: f.kind,
    summary: f.count > 1 ? `${f.title} (×${f.count})` : f.title,
  }));
}
