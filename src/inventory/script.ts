// Ansible's `script` inventory plugin: an executable inventory file is run with `--list` and its
// JSON read as ansible-core reads it (groups as host lists or {hosts, vars, children}, `_meta.hostvars`,
// or `--host NAME` per host when `_meta` is absent). The same JSON saved to a file (what
// `ansible-inventory --list` prints) is read the same way.
import { execFile } from 'node:child_process';
import { inputError } from '../errors.js';
import { InventoryDataError, type InventoryData } from './data.js';
import type { VarValue, Vars } from './types.js';

const MAX_OUTPUT = 256 << 20;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** True for the JSON of an inventory script / `ansible-inventory --list`, as opposed to a YAML-plugin inventory. */
export function isScriptJson(data: unknown): boolean {
  if (!isObj(data)) return false;
  if ('_meta' in data) return true;
  return Object.values(data).some((g) => Array.isArray(g) || (isObj(g) && Array.isArray(g['hosts'])));
}

function runScript(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { maxBuffer: MAX_OUTPUT, encoding: 'utf8' }, (err, stdout, stderr) => {
      if (!err) return resolve(stdout);
      const why = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'it could not be started' : String(stderr).trim().split('\n').slice(-5).join('\n') || err.message;
      reject(inputError(`inventory script ${file} ${args.join(' ')} failed: ${why}`, { file }, 'run it by hand with the same argument; it must print JSON and exit 0'));
    });
  });
}

function parseJson(text: string, file: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw inputError(`failed to parse ${what} from ${file}: ${(e as Error).message}`, { file }, 'an inventory script prints one JSON object: {"group": {"hosts": [...]}, "_meta": {"hostvars": {...}}}');
  }
}

function guard<T>(file: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof InventoryDataError) throw inputError(e.message, { file });
    throw e;
  }
}

/** Fill `inv` from script JSON; `hostVars` answers `--host NAME` when there is no `_meta.hostvars`. */
export async function addScriptJson(inv: InventoryData, file: string, data: unknown, hostVars?: (host: string) => Promise<unknown>): Promise<void> {
  if (!isObj(data)) throw inputError(`inventory ${file} must be a JSON object of groups`, { file });
  const hosts = new Set<string>();
  let meta: unknown;
  for (const [name, raw] of Object.entries(data)) {
    if (name === '_meta') {
      if (isObj(raw) && 'hostvars' in raw) meta = raw['hostvars'];
      continue;
    }
    // ansible-core's script plugin: a list is the hosts; a mapping without hosts/vars/children is
    // one host named like the group, with those vars
    let g: Obj = isObj(raw) ? raw : { hosts: raw };
    if (isObj(raw) && !['hosts', 'vars', 'children'].some((k) => k in raw)) g = { hosts: [name], vars: raw };
    guard(file, () => inv.addGroup(name));
    if ('hosts' in g) {
      if (!Array.isArray(g['hosts'])) throw inputError(`You defined a group '${name}' with bad data for the host list: ${JSON.stringify(g['hosts'])}`, { file });
      for (const h of g['hosts']) {
        if (typeof h !== 'string') throw inputError(`group '${name}' lists a host that is not a string: ${JSON.stringify(h)}`, { file });
        hosts.add(h);
        guard(file, () => inv.addHost(h, name, undefined));
      }
    }
    if ('vars' in g) {
      if (!isObj(g['vars'])) throw inputError(`You defined a group '${name}' with bad data for variables: ${JSON.stringify(g['vars'])}`, { file });
      for (const [k, v] of Object.entries(g['vars'])) guard(file, () => inv.setVariable(name, k, v as VarValue));
    }
    if ('children' in g && Array.isArray(g['children'])) {
      for (const c of g['children']) {
        guard(file, () => inv.addGroup(String(c)));
        guard(file, () => inv.addChild(name, String(c)));
      }
    }
  }
  if (meta !== undefined && !isObj(meta)) throw inputError(`_meta.hostvars in ${file} must be a mapping of host names to variables`, { file });
  for (const h of hosts) {
    const got = meta !== undefined ? (meta[h] ?? {}) : hostVars ? await hostVars(h) : {};
    if (!isObj(got)) throw inputError(`variables of host ${h} from ${file} must be a mapping, got ${JSON.stringify(got)}`, { file, host: h });
    for (const [k, v] of Object.entries(got as Vars)) guard(file, () => inv.setVariable(h, k, v));
  }
}

/** Run an executable inventory file (`FILE --list`, then `FILE --host H` if there is no `_meta`). */
export async function runInventoryScript(inv: InventoryData, file: string): Promise<void> {
  const data = parseJson(await runScript(file, ['--list']), file, 'inventory script output');
  await addScriptJson(inv, file, data, async (h) => parseJson(await runScript(file, ['--host', h]), file, `inventory script output for --host ${h}`));
}
