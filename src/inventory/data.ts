// The mutable inventory model the parsers fill, mirroring Ansible's InventoryData / Group / Host
// (membership, depth, priority, loop detection, reconcile into `all` and `ungrouped`).
import type { Vars, VarValue } from './types.js';

const HOST_NAME = /^[A-Za-z0-9_:][A-Za-z0-9_.:%-]{0,252}$/;

export class InventoryDataError extends Error {}

export interface GroupNode {
  name: string;
  hosts: HostNode[];
  children: GroupNode[];
  parents: GroupNode[];
  vars: Vars;
  depth: number;
  priority: number;
}

export interface HostNode {
  name: string;
  vars: Vars;
  /** Groups the host was added to directly. */
  direct: GroupNode[];
}

export class InventoryData {
  readonly groups = new Map<string, GroupNode>();
  readonly hosts = new Map<string, HostNode>();

  constructor() {
    this.addGroup('all');
    this.addGroup('ungrouped');
    this.addChild('all', 'ungrouped');
  }

  addGroup(name: string): string {
    if (!name) throw new InventoryDataError(`Invalid empty/false group name provided: ${name}`);
    if (!this.groups.has(name))
      this.groups.set(name, { name, hosts: [], children: [], parents: [], vars: {}, depth: 0, priority: 1 });
    return name;
  }

  addHost(name: string, group: string | undefined, port: number | undefined): void {
    if (!name) throw new InventoryDataError('Invalid empty host name provided');
    // Stricter than Ansible on purpose: a host name reaches ssh configs, known_hosts lookups,
    // file names under the state directory and messages, so only name and address characters pass.
    if (!HOST_NAME.test(name)) {
      throw new InventoryDataError(`host name ${JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}...` : name)} is not a host name or address: use letters, digits and . _ - : % (not starting with -)`);
    }
    let g: GroupNode | undefined;
    if (group) {
      g = this.groups.get(group);
      if (!g) throw new InventoryDataError(`Could not find group ${group} in inventory`);
    }
    let h = this.hosts.get(name);
    if (!h) {
      h = { name, vars: {}, direct: [] };
      // Host(name, port): the port only counts when the host is first seen
      if (port) h.vars['ansible_port'] = port;
      this.hosts.set(name, h);
    }
    if (g && !g.hosts.includes(h)) {
      g.hosts.push(h);
      h.direct.push(g);
    }
  }

  setVariable(entity: string, key: string, value: VarValue): void {
    const g = this.groups.get(entity);
    if (g) {
      if (key === 'ansible_group_priority') {
        const n = typeof value === 'number' ? Math.trunc(value) : typeof value === 'string' && /^\s*[+-]?\d+\s*$/.test(value) ? Number(value) : typeof value === 'boolean' ? Number(value) : NaN;
        if (Number.isNaN(n)) throw new InventoryDataError(`ansible_group_priority must be an integer, got ${JSON.stringify(value)}`);
        g.priority = n;
      } else g.vars[key] = value;
      return;
    }
    const h = this.hosts.get(entity);
    if (!h) throw new InventoryDataError(`Could not identify group or host named ${entity}`);
    h.vars[key] = value;
  }

  addChild(parent: string, child: string): void {
    const p = this.groups.get(parent);
    if (!p) throw new InventoryDataError(`${parent} is not a known group`);
    const c = this.groups.get(child);
    if (c) {
      if (p === c) throw new InventoryDataError(`can't add group ${parent} to itself`);
      if (p.children.includes(c)) return;
      if (ancestors(p).has(c))
        throw new InventoryDataError(`Adding group '${child}' as child to '${parent}' creates a recursive dependency loop.`);
      p.children.push(c);
      raiseDepth(c, p.depth + 1);
      if (!c.parents.includes(p)) c.parents.push(p);
      return;
    }
    const h = this.hosts.get(child);
    if (!h) throw new InventoryDataError(`${child} is not a known host nor group`);
    if (!p.hosts.includes(h)) {
      p.hosts.push(h);
      h.direct.push(p);
    }
  }

  /** InventoryData.reconcile_inventory(): top-level groups under `all`, `ungrouped` fixed up. */
  reconcile(): void {
    const all = this.groups.get('all') as GroupNode;
    const ungrouped = this.groups.get('ungrouped') as GroupNode;
    for (const g of this.groups.values()) if (g !== all && g.parents.length === 0) this.addChild('all', g.name);
    for (const h of this.hosts.values()) {
      const mine = hostGroups(h);
      if (mine.has(ungrouped)) {
        if ([...mine].some((g) => g !== all && g !== ungrouped)) {
          ungrouped.hosts = ungrouped.hosts.filter((x) => x !== h);
          h.direct = h.direct.filter((g) => g !== ungrouped);
        }
      } else if (mine.size === 0 || (mine.size === 1 && mine.has(all))) {
        this.addChild('ungrouped', h.name);
      }
    }
  }
}

function raiseDepth(g: GroupNode, depth: number): void {
  if (g.depth >= depth) return;
  g.depth = depth;
  for (const c of g.children) raiseDepth(c, depth + 1);
}

export function ancestors(g: GroupNode): Set<GroupNode> {
  const seen = new Set<GroupNode>();
  const todo = [...g.parents];
  while (todo.length) {
    const x = todo.pop() as GroupNode;
    if (seen.has(x)) continue;
    seen.add(x);
    todo.push(...x.parents);
  }
  return seen;
}

/** Every group the host is in, directly or through a parent group. */
export function hostGroups(h: HostNode): Set<GroupNode> {
  const out = new Set<GroupNode>();
  for (const g of h.direct) {
    out.add(g);
    for (const a of ancestors(g)) out.add(a);
  }
  return out;
}

/**
 * Group.get_hosts(): the group's own hosts, then its children's, level by level (Ansible walks
 * each level as a Python set, so beyond the first level its order is not defined; we keep
 * declaration order).
 */
export function groupHosts(g: GroupNode): HostNode[] {
  const ordered: GroupNode[] = [g, ...g.children];
  const seen = new Set<GroupNode>(ordered);
  let level = g.children;
  while (level.length) {
    const next: GroupNode[] = [];
    for (const x of level)
      for (const c of x.children)
        if (!seen.has(c)) {
          seen.add(c);
          ordered.push(c);
          next.push(c);
        }
    level = next;
  }
  const out: HostNode[] = [];
  const got = new Set<HostNode>();
  for (const k of ordered)
    for (const h of k.hosts)
      if (!got.has(h)) {
        got.add(h);
        out.push(h);
      }
  return out;
}
