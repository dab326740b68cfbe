// Ansible's YAML inventory format (`all: {hosts:, children:, vars:}`), parsed like ansible-core's
// `yaml` inventory plugin. Where Ansible only warns and skips (a group that is not a mapping, an
// unknown key), kfleet refuses: a typo must not silently drop hosts from a kernel rollout.
import { isMap, isScalar, type Pair, type YAMLMap } from 'yaml';
import { inputError } from '../errors.js';
import { InventoryDataError, type InventoryData } from './data.js';
import { RangeSyntaxError, expandHostPattern } from './host-range.js';
import { deref, locate, readYaml, toVarValue, type YamlSource } from './yaml-source.js';

export function parseYamlInventory(inv: InventoryData, file: string, text: string): void {
  const src = readYaml(file, text);
  const root = deref(src, src.doc.contents);
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) throw inputError('Parsed empty YAML file', { file, line: 1, col: 1 });
  if (!isMap(root))
    throw inputError('YAML inventory has invalid structure, it should be a dictionary', locate(src, root), 'start with `all:` and put hosts, children and vars under it');
  const plugin = root.items.find((p) => isScalar(p.key) && p.key.value === 'plugin');
  if (plugin && toVarValue(src, plugin.value))
    throw inputError('Plugin configuration YAML file, not YAML inventory: Ansible reads plugin configs only from files named .yml or .yaml', locate(src, plugin.key), 'rename the file to end in .yml, or export it with `ansible-inventory -i FILE --list > inventory.json`');
  for (const pair of root.items) parseGroup(src, inv, pair);
}

function keyName(src: YamlSource, pair: Pair, what: string): string {
  const k = deref(src, pair.key);
  if (!isScalar(k) || typeof k.value !== 'string' || k.value === '')
    throw inputError(`${what} must be a non-empty string`, locate(src, pair.key), 'quote names that look like numbers, e.g. "10"');
  return k.value;
}

function guard<T>(src: YamlSource, node: unknown, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InventoryDataError || e instanceof RangeSyntaxError) throw inputError(e.message, locate(src, node));
    throw e;
  }
}

function isNull(n: unknown): boolean {
  return n === null || n === undefined || (isScalar(n) && n.value === null);
}

function parseGroup(src: YamlSource, inv: InventoryData, pair: Pair): string {
  const name = keyName(src, pair, 'a group name');
  const data = deref(src, pair.value);
  if (!isNull(data) && !isMap(data))
    throw inputError(`group '${name}' is not a valid group definition: expected a mapping with hosts, children or vars`, locate(src, pair.value ?? pair.key));
  guard(src, pair.key, () => inv.addGroup(name));
  if (isNull(data)) return name;
  for (const item of (data as YAMLMap).items) {
    const key = keyName(src, item, 'a group section');
    const section = deref(src, item.value);
    if (!['vars', 'children', 'hosts'].includes(key))
      throw inputError(`unexpected key '${key}' in group '${name}'`, locate(src, item.key), 'only "vars", "children" and "hosts" are valid in a group');
    if (isNull(section)) continue;
    let entries: Pair[];
    // Ansible reads `hosts: web1` as `hosts: {web1: null}`
    if (isScalar(section) && typeof section.value === 'string') entries = [{ key: section, value: null } as unknown as Pair];
    else if (isMap(section)) entries = section.items as Pair[];
    else
      throw inputError(`Invalid "${key}" entry for "${name}" group, requires a dictionary`, locate(src, item.value), `write ${key} as a mapping: "${key}: {name: ...}"`);
    if (key === 'vars') {
      for (const v of entries) {
        const k = keyName(src, v, 'a variable name');
        guard(src, v.key, () => inv.setVariable(name, k, toVarValue(src, deref(src, v.value))));
      }
    } else if (key === 'children') {
      for (const c of entries) {
        const child = parseGroup(src, inv, c);
        guard(src, c.key, () => inv.addChild(name, child));
      }
    } else {
      for (const h of entries) {
        const k = deref(src, h.key);
        if (!isScalar(k) || typeof k.value !== 'string' || k.value === '')
          throw inputError(`Host pattern ${String(isScalar(k) ? k.value : '')} must be a string. Enclose integers/floats in quotation marks.`, locate(src, h.key));
        const { hosts, port } = guard(src, h.key, () => expandHostPattern((k as { value: string }).value));
        const hv = deref(src, h.value);
        if (!isNull(hv) && !isMap(hv))
          throw inputError(`variables of host '${String(k.value)}' must be a mapping`, locate(src, h.value), 'write host variables as "host: {key: value}"');
        for (const host of hosts) {
          guard(src, h.key, () => inv.addHost(host, name, port));
          if (isMap(hv))
            for (const v of hv.items as Pair[]) {
              const vk = keyName(src, v, 'a variable name');
              guard(src, v.key, () => inv.setVariable(host, vk, toVarValue(src, deref(src, v.value))));
            }
        }
      }
    }
  }
  return name;
}
