// Ansible's INI inventory format, parsed like ansible-core's `ini` inventory plugin: sections
// `[g]`, `[g:children]`, `[g:vars]`, host lines `pattern[:port] key=value ...` (shlex-split, values
// typed as Python literals), declarations that may come in any order, errors as file:line.
import { inputError } from '../errors.js';
import { InventoryDataError, type InventoryData } from './data.js';
import { RangeSyntaxError, expandHostPattern } from './host-range.js';
import { parsePythonLiteral } from './python-literal.js';
import { ShlexError, shlexSplit } from './shlex.js';

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:#.*)?$/u;
const GROUPNAME = /^([^:\]\s]+)\s*(?:#.*)?$/u;
/** str.splitlines() boundaries. */
const LINES = /\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]/;

interface Pending {
  line: number;
  state: 'vars' | 'children';
  parents: string[];
}

export function parseIni(inv: InventoryData, file: string, text: string): void {
  const pending = new Map<string, Pending>();
  let group = 'ungrouped';
  let state = 'hosts';
  let lineno = 0;
  const fail = (msg: string, hint?: string): never => {
    throw inputError(msg, { file, line: lineno }, hint);
  };
  const guard = <T>(f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (e instanceof InventoryDataError || e instanceof RangeSyntaxError || e instanceof ShlexError) return fail(e.message);
      throw e;
    }
  };
  const addPendingChildren = (g: string): void => {
    const p = pending.get(g);
    if (!p) return;
    for (const parent of p.parents) {
      guard(() => inv.addChild(parent, g));
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
    pending.delete(g);
  };

  for (const raw of text.split(LINES)) {
    lineno++;
    const line = raw.trim();
    if (!line || line[0] === ';' || line[0] === '#') continue;
    const m = SECTION.exec(line);
    if (m) {
      group = m[1] as string;
      state = m[2] ?? 'hosts';
      if (!['hosts', 'children', 'vars'].includes(state))
        fail(`Section [${group}:${state}] has unknown type: ${state}`, 'a section is [group], [group:children] or [group:vars]');
      if (!inv.groups.has(group)) {
        if (state === 'vars' && !pending.has(group)) pending.set(group, { line: lineno, state: 'vars', parents: [] });
        inv.addGroup(group);
      }
      const p = pending.get(group);
      if (p && state !== 'vars') {
        if (p.state === 'children') addPendingChildren(group);
        else pending.delete(group);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']'))
      fail(
        `Invalid section entry: '${line}'`,
        'make sure there are no spaces in the section entry and no other invalid characters',
      );
    if (state === 'hosts') {
      const tokens = guard(() => shlexSplit(line));
      const first = tokens[0];
      if (first === undefined) fail(`Expected a host definition, got: ${line}`);
      const { hosts, port } = guard(() => expandHostPattern(first as string));
      const vars: [string, ReturnType<typeof parsePythonLiteral>][] = [];
      for (const t of tokens.slice(1)) {
        const eq = t.indexOf('=');
        if (eq < 0) fail(`Expected key=value host variable assignment, got: ${t}`, 'host variables are written key=value after the host name');
        vars.push([t.slice(0, eq), parsePythonLiteral(t.slice(eq + 1))]);
      }
      for (const h of hosts) {
        guard(() => inv.addHost(h, group, port));
        for (const [k, v] of vars) guard(() => inv.setVariable(h, k, v));
      }
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`Expected key=value, got: ${line}`, `lines in a [${group}:vars] section are key=value`);
      const k = line.slice(0, eq).trim();
      const v = line.slice(eq + 1).trim();
      guard(() => inv.setVariable(group, k, parsePythonLiteral(v)));
    } else {
      const cm = GROUPNAME.exec(line);
      if (!cm) fail(`Expected group name, got: ${line}`, `lines in a [${group}:children] section are group names`);
      const child = (cm as RegExpExecArray)[1] as string;
      if (!inv.groups.has(child)) {
        const p = pending.get(child);
        if (!p) pending.set(child, { line: lineno, state: 'children', parents: [group] });
        else p.parents.push(group);
      } else guard(() => inv.addChild(group, child));
    }
  }
  for (const [name, decl] of pending) {
    lineno = decl.line;
    if (decl.state === 'vars')
      fail(`Section [${name}:vars] not valid for undefined group: ${name}`, `declare [${name}] (or list it under a [parent:children]) somewhere in the file`);
    fail(`Section [${decl.parents[decl.parents.length - 1]}:children] includes undefined group: ${name}`, `declare [${name}] somewhere in the file`);
  }
}
