// From the command line's playbook + inventory + --limit to the plays and their hosts.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { loadPlaybook } from '../playbook/load.js';
import { loadInventory } from '../inventory/load.js';
import { matchPattern } from '../inventory/pattern.js';
import type { Inventory, InventoryHost } from '../inventory/types.js';
import { configuredState } from '../state/location.js';
import type { Play, Playbook } from '../playbook/types.js';

export interface Target {
  play: Play;
  hosts: InventoryHost[];
}

export interface Targets {
  playbook: Playbook;
  playbookSha256: string;
  inventory: Inventory;
  inventoryPaths: string[];
  targets: Target[];
}

export async function loadTargets(playbookFile: string, inventories: string[], limit: string | undefined): Promise<Targets> {
  const [playbook, inventory] = await Promise.all([loadPlaybook(playbookFile), loadInventory(inventories)]);
  const targets = playbook.plays.map((play) => ({ play, hosts: matchPattern(inventory, play.hosts, { limit }) }));
  return {
    playbook,
    playbookSha256: createHash('sha256').update(readFileSync(playbookFile)).digest('hex'),
    inventory,
    inventoryPaths: inventories,
    targets,
  };
}

/** Default state: --state / KFLEET_STATE when given, else .kfleet/ beside the (first) inventory. */
export function defaultStateDir(inventories: string[]): string {
  const configured = configuredState();
  if (configured) return configured;
  const first = inventories[0];
  return first ? resolve(dirname(resolve(first)), '.kfleet') : resolve('.kfleet');
}

/** A pattern matcher over one inventory, for pattern phases. */
export function patternMatcher(inv: Inventory): (pattern: string, host: string) => boolean {
  const cache = new Map<string, Set<string>>();
  return (pattern, host) => {
    let set = cache.get(pattern);
    if (!set) {
      set = new Set(matchPattern(inv, pattern).map((h) => h.name));
      cache.set(pattern, set);
    }
    return set.has(host);
  };
}
