// The structure `ansible-inventory --list` prints: `_meta.hostvars` plus every non-empty group
// with its direct hosts and children (`all` shows only children). Given the hosts a pattern selects
// (`ansible-inventory --list --limit PATTERN`), groups list only those hosts, groups left with no
// host and no child disappear (a parent still names them among its children, as Ansible does), and
// `_meta.hostvars` holds only the selected hosts.
import type { Inventory, Vars } from './types.js';

export interface AnsibleListGroup {
  hosts?: string[];
  children?: string[];
}
export type AnsibleList = { _meta: { hostvars: Record<string, Vars> } } & Record<string, AnsibleListGroup | { hostvars: Record<string, Vars> }>;

export function toAnsibleList(inv: Inventory, selected?: ReadonlySet<string>): AnsibleList {
  const shown = (h: string) => !selected || selected.has(h);
  const out: Record<string, AnsibleListGroup> = {};
  const seen = new Set<string>();
  const format = (name: string): void => {
    const g = inv.groups[name];
    if (!g) return;
    const entry: AnsibleListGroup = {};
    if (name !== 'all') {
      const hosts = g.hosts.filter(shown);
      if (hosts.length) entry.hosts = hosts;
    }
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
  for (const h of inv.hosts) if (shown(h.name) && Object.keys(h.vars).length) hostvars[h.name] = h.vars;
  return { _meta: { hostvars }, ...out } as AnsibleList;
}
