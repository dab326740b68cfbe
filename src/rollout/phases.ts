// Phase arithmetic (pure). Phases partition the hosts a rollout will change, in inventory order:
// counts take that many hosts, shares take Ansible's int(pct/100 * total) or 1 (of all the
// rollout's hosts, not of those remaining), patterns take the remaining hosts that match. When the
// list runs out, the last entry repeats (Ansible's `serial`), so every host lands in a phase and
// no phase is empty.
import type { PhaseSpec } from '../playbook/types.js';

export function shareToCount(percent: number, total: number): number {
  return Math.max(1, Math.floor((percent / 100) * total + 1e-9));
}

export function computePhases(
  hosts: readonly string[],
  specs: readonly PhaseSpec[],
  matches: (pattern: string, host: string) => boolean = () => false,
): string[][] {
  const total = hosts.length;
  if (total === 0) return [];
  const list: PhaseSpec[] = specs.length ? [...specs] : [{ kind: 'percent', percent: 100 }];
  let remaining = [...hosts];
  const phases: string[][] = [];
  let i = 0;
  let emptyPatternRounds = 0;
  while (remaining.length > 0) {
    const spec = list[Math.min(i, list.length - 1)]!;
    i++;
    let take: string[];
    if (spec.kind === 'pattern') {
      take = remaining.filter((h) => matches(spec.pattern, h));
      if (take.length === 0) {
        // A pattern that matches nothing that is left adds no phase; if it is the last entry,
        // the rest goes in one final phase rather than looping forever.
        if (i >= list.length) {
          emptyPatternRounds++;
          take = remaining;
        } else continue;
      }
      if (i >= list.length && emptyPatternRounds === 0 && take.length < remaining.length) {
        // the last entry is a pattern: what it does not match follows in one more phase
        phases.push(take);
        remaining = remaining.filter((h) => !take.includes(h));
        phases.push(remaining);
        remaining = [];
        continue;
      }
    } else {
      const n = spec.kind === 'count' ? Math.max(1, Math.floor(spec.count)) : shareToCount(spec.percent, total);
      take = remaining.slice(0, n);
    }
    phases.push(take);
    const taken = new Set(take);
    remaining = remaining.filter((h) => !taken.has(h));
  }
  return phases.filter((p) => p.length > 0);
}
