// Loading facts from JSON files (test/fixtures/facts/*.json, `kfleet plan --facts DIR`): one
// HostFacts per file, checked for the fields the planner relies on. Bad files are InputErrors.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { InputError, type InputProblem } from '../errors.js';
import { FACTS_SCHEMA, type HostFacts } from './types.js';

function problems(f: unknown, file: string): InputProblem[] {
  const out: InputProblem[] = [];
  const bad = (message: string) => out.push({ message: `${file}: ${message}`, location: { file } });
  if (typeof f !== 'object' || f === null) {
    bad('not a JSON object');
    return out;
  }
  const o = f as Record<string, unknown>;
  if (o.schema !== FACTS_SCHEMA) bad(`schema must be ${FACTS_SCHEMA}`);
  if (typeof o.host !== 'string' || o.host === '') bad('host must be a non-empty string');
  const k = o.kernel as Record<string, unknown> | undefined;
  if (typeof k?.release !== 'string' || typeof k.arch !== 'string' || typeof k.page_size !== 'number') bad('kernel needs release, arch and page_size');
  const m = o.memory as Record<string, unknown> | undefined;
  if (typeof m?.total_kb !== 'number') bad('memory.total_kb must be a number');
  if (typeof o.cmdline !== 'string') bad('cmdline must be a string');
  const g = o.grubby as Record<string, unknown> | undefined;
  if (typeof g?.available !== 'boolean' || !Array.isArray(g.entries)) bad('grubby needs available and entries');
  const kf = o.kfence as Record<string, unknown> | undefined;
  if (typeof kf?.present !== 'boolean' || typeof kf.params !== 'object' || kf.params === null) bad('kfence needs present and params');
  if (typeof o.slabs !== 'object' || o.slabs === null) bad('slabs must be an object');
  const n = o.numa as Record<string, unknown> | undefined;
  if (!Array.isArray(n?.online) || !Array.isArray(n.possible)) bad('numa needs online and possible');
  if (typeof o.privileged !== 'boolean') bad('privileged must be a boolean');
  return out;
}

export function parseFactsJson(text: string, file: string): HostFacts {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new InputError([{ message: `${file}: not JSON: ${(e as Error).message}`, location: { file } }]);
  }
  const p = problems(data, file);
  if (p.length > 0) throw new InputError(p, `${file} is not valid host facts`);
  return data as HostFacts;
}

/** Every *.json in dir, by host name (sorted by file name). */
export function loadFactsDir(dir: string): Map<string, HostFacts> {
  const out = new Map<string, HostFacts>();
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    const file = join(dir, name);
    const f = parseFactsJson(readFileSync(file, 'utf8'), file);
    if (out.has(f.host)) throw new InputError([{ message: `${file}: host ${f.host} appears twice`, location: { file } }]);
    out.set(f.host, f);
  }
  return out;
}
