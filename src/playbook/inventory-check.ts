// `kfleet validate -i`: every play's host pattern must select at least one inventory host.
import { isKfleetError, type InputProblem } from '../errors.js';
import { matchPattern } from '../inventory/pattern.js';
import type { Inventory } from '../inventory/types.js';
import type { Playbook } from './types.js';

export interface PlayHosts {
  play: string;
  hosts: string;
  count: number;
}

/** Hosts selected by each play, and a problem for each play that selects none. */
export function checkPlayHosts(pb: Playbook, inv: Inventory): { matched: PlayHosts[]; problems: InputProblem[] } {
  const matched: PlayHosts[] = [];
  const problems: InputProblem[] = [];
  for (const play of pb.plays) {
    const location = play.hosts_source ?? play.source;
    let count = 0;
    try {
      count = matchPattern(inv, play.hosts).length;
    } catch (e) {
      if (!isKfleetError(e)) throw e;
      problems.push({ message: `hosts: ${e.message}`, hint: e.hint, location });
      continue;
    }
    matched.push({ play: play.name, hosts: play.hosts, count });
    if (count === 0) {
      problems.push({
        message: `hosts: ${JSON.stringify(play.hosts)} matches no host in ${inv.sources.join(', ')}`,
        hint: `check the group and host names (kfleet hosts -i ${inv.sources[0] ?? 'INVENTORY'} 'all' lists them)`,
        location,
      });
    }
  }
  return { matched, problems };
}
