// loadInventory(): Ansible INI / YAML inventories, inventory scripts, `ansible-inventory --list`
// JSON and inventory plugin configs (files, directories of them, several sources)
// into hosts with merged variables, following ansible-core 2.14's rules and precedence:
//   all (inventory) < other groups (inventory; by depth, ansible_group_priority, name)
//   < group_vars/all < group_vars/<group> (same order) < host (inventory) < host_vars/<host>
import { constants } from 'node:fs';
import { access, readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap, isScalar } from 'yaml';
import { InputError, KfleetError, inputError, type InputProblem, type Location } from '../errors.js';
import { connectionVars } from './connection.js';
import { InventoryData, groupHosts, hostGroups, type GroupNode } from './data.js';
import { parseAddress } from './host-range.js';
import { parseIni } from './ini.js';
import { resolvePluginConfig } from './plugin.js';
import { addScriptJson, isScriptJson, runInventoryScript } from './script.js';
import type { Inventory, InventoryGroup, InventoryHost, Vars } from './types.js';
import { entityVars } from './vars-files.js';
import { parseYamlInventory } from './yaml-inventory.js';
import { deref, locate, readYaml, toVarValue } from './yaml-source.js';

const YAML_EXTS = ['.yml', '.yaml', '.json'];
/** Names Ansible skips inside an inventory directory (IGNORED_ALWAYS + INVENTORY_IGNORE_EXTS). */
const IGNORED = /^\.|^host_vars$|^group_vars$|^vars_plugins$|(?:\.pyc|\.pyo|\.swp|\.bak|~|\.rpm|\.md|\.txt|\.rst|\.orig|\.ini|\.cfg|\.retry)$/;

async function isDir(p: string): Promise<boolean | undefined> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return undefined;
  }
}

function looksLikeYamlInventory(file: string, text: string): boolean {
  try {
    const src = readYaml(file, text);
    return isMap(deref(src, src.doc.contents));
  } catch {
    return false;
  }
}

/** The `plugin:` of an inventory plugin config (Ansible's `auto` plugin: .yml/.yaml files only). */
function pluginOf(file: string, text: string): { name: string; location: Location } | undefined {
  try {
    const src = readYaml(file, text);
    const root = deref(src, src.doc.contents);
    if (!isMap(root)) return undefined;
    const pair = root.items.find((p) => isScalar(p.key) && p.key.value === 'plugin');
    const v = pair && toVarValue(src, deref(src, pair.value));
    return typeof v === 'string' && v ? { name: v, location: locate(src, pair!.key) } : undefined;
  } catch {
    return undefined; // not YAML: the yaml plugin reports it
  }
}

async function executable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function scriptJson(text: string): unknown {
  try {
    const data = JSON.parse(text) as unknown;
    return isScriptJson(data) ? data : undefined;
  } catch {
    return undefined;
  }
}

async function parseFile(inv: InventoryData, file: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw inputError(`cannot read inventory ${file}: ${(e as Error).message}`, { file });
  }
  // Ansible's plugin order: script (an executable with #! or a binary; a text file without #!
  // cannot be executed and falls through, as in Ansible), then auto (plugin configs), yaml, ini.
  if ((text.startsWith('#!') || text.startsWith('\x7fELF')) && (await executable(file))) return runInventoryScript(inv, file);
  const ext = path.extname(file);
  if (ext === '.yml' || ext === '.yaml') {
    const plugin = pluginOf(file, text);
    if (plugin) return addScriptJson(inv, file, await resolvePluginConfig(file, plugin.name, plugin.location));
  }
  // what `ansible-inventory --list` prints (or an inventory script printed), saved to a file
  const listed = ext === '.json' || !ext ? scriptJson(text) : undefined;
  if (listed) return addScriptJson(inv, file, listed);
  if (YAML_EXTS.includes(ext)) return parseYamlInventory(inv, file, text);
  if (ext === '.toml') throw inputError('TOML inventories are not supported', { file }, 'convert it with `ansible-inventory -i FILE --list -y`');
  // no extension: Ansible tries the yaml plugin first, then ini
  if (!ext && looksLikeYamlInventory(file, text)) return parseYamlInventory(inv, file, text);
  return parseIni(inv, file, text);
}

async function parseSource(inv: InventoryData, source: string, top: boolean): Promise<boolean> {
  const dir = await isDir(source);
  if (dir === undefined) {
    if (top && source.includes(',')) {
      // Ansible's host_list plugin: "web1,web2:2222,"
      for (const h of source.split(',').map((s) => s.trim()).filter(Boolean)) {
        const a = parseAddress(h);
        inv.addHost(a ? a.host : h, 'ungrouped', a?.port);
      }
      return true;
    }
    throw inputError(`inventory source not found: ${source}`, { file: source }, 'give -i an inventory file, a directory of inventories, or "host1,host2,"');
  }
  if (!dir) {
    await parseFile(inv, source);
    return true;
  }
  let parsed = false;
  for (const name of (await readdir(source)).sort()) {
    if (IGNORED.test(name)) continue;
    if (await parseSource(inv, path.join(source, name), false)) parsed = true;
  }
  return parsed;
}

function sortGroups(gs: GroupNode[]): GroupNode[] {
  return gs.sort((a, b) => a.depth - b.depth || a.priority - b.priority || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Load one or more inventory sources (like repeated `-i`) into one inventory. */
export async function loadInventory(sources: string | string[]): Promise<Inventory> {
  const list = Array.isArray(sources) ? sources : [sources];
  if (list.length === 0) throw inputError('no inventory given', {}, 'pass -i INVENTORY');
  const inv = new InventoryData();
  const basedirs: string[] = [];
  for (const s of list) {
    const hostList = s.includes(',') && (await isDir(s)) === undefined;
    const abs = hostList ? s : path.resolve(s);
    if (!(await parseSource(inv, abs, true)))
      throw inputError(`no inventory file found in directory ${s}`, { file: s }, 'Ansible skips hidden files and .ini/.cfg/.txt/.md/.retry/... files inside an inventory directory');
    if (!hostList) basedirs.push((await isDir(abs)) ? abs : path.dirname(abs));
  }
  inv.reconcile();

  const cache = new Map<string, Vars>();
  const filesVars = async (sub: 'group_vars' | 'host_vars', name: string): Promise<Vars> => {
    let out: Vars = {};
    for (const b of basedirs) {
      const key = `${sub}\0${b}\0${name}`;
      let v = cache.get(key);
      if (!v) cache.set(key, (v = await entityVars(b, sub, name)));
      out = { ...out, ...v };
    }
    return out;
  };

  const all = inv.groups.get('all') as GroupNode;
  const allFiles = await filesVars('group_vars', 'all');
  const order = [...inv.groups.keys()];
  const hosts: InventoryHost[] = [];
  for (const h of groupHosts(all)) {
    const member = hostGroups(h);
    const sorted = sortGroups([...member].filter((g) => g !== all));
    let vars: Vars = { ...all.vars };
    for (const g of sorted) vars = { ...vars, ...g.vars };
    vars = { ...vars, ...allFiles };
    for (const g of sorted) vars = { ...vars, ...(await filesVars('group_vars', g.name)) };
    vars = { ...vars, ...h.vars, ...(await filesVars('host_vars', h.name)) };
    const groups = order.filter((n) => member.has(inv.groups.get(n) as GroupNode));
    if (!groups.includes('all')) groups.unshift('all');
    hosts.push({ name: h.name, vars, groups });
  }
  const groups: Record<string, InventoryGroup> = {};
  for (const g of inv.groups.values()) {
    groups[g.name] = {
      name: g.name,
      hosts: g.hosts.map((h) => h.name),
      children: g.children.map((c) => c.name),
      vars: { ...g.vars, ...(await filesVars('group_vars', g.name)) },
      depth: g.depth,
      priority: g.priority,
    };
  }
  // Every host's connection variables are checked now, so a bad value (a port out of range, a
  // become method kfleet cannot use, ...) stops the command before any host is touched, instead of
  // failing that host mid-rollout while the others are written.
  const problems: InputProblem[] = [];
  for (const h of hosts) {
    try {
      connectionVars(h);
    } catch (e) {
      if (!(e instanceof KfleetError)) throw e;
      problems.push({ message: `${h.name}: ${e.message}`, location: { host: h.name }, hint: e.hint });
    }
  }
  if (problems.length) throw new InputError(problems);
  return { sources: list, hosts, groups, groupOrder: order, hostOrder: [...inv.hosts.keys()] };
}

