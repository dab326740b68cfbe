// The structure `ansible-inventory --list` prints: `_meta.hostvars` plus every non-empty group
// with its direct hosts and children (`all` shows only children).
import type { Inventory, Vars } from './types.js';

export interface AnsibleListGroup {
  hosts?: string[];
  children?: string[];
}
export type AnsibleList = { _meta: { hostvars: Record<string, Vars> } } & Record<string, AnsibleListGroup | { hostvars: Record<string, Vars> }>;

export function toAnsibleList(inv: Inventory): AnsibleList {
  const out: Record<string, AnsibleListGroup> = {};
  const seen = new Set<string>();
  const format = (name: string): void => {
    const g = inv.groups[name];
    if (!g) return;
    const entry: AnsibleListGroup = {};
    if (name !== 'all' && g.hosts.length) entry.hosts = [...g.hosts];
    if (g.children.length) entry.children = [...g.children];
    if (entry.hosts || entry.children) out[name] = entry;
    for (const c of g.children)
      if (!seen.has(c)) {
        format(c);
        seen.add(c);
      }
  };
  format('all');
  const hostvars: Record<string, Vars> = {};
  for (const h of inv.hosts) if (Object.keys(h.vars).length) hostvars[h.name] = h.vars;
  return { _meta: { hostvars }, ...out } as AnsibleList;
}
