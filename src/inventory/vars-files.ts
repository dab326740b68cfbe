// group_vars/ and host_vars/ next to an inventory source, found and read like Ansible's
// host_group_vars plugin and DataLoader.find_vars_files(): `<name>`, `<name>.yml|.yaml|.json`
// (the first that exists), or every file under a `<name>/` directory, sorted, recursively.
import { readFile, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isMap } from 'yaml';
import { inputError } from '../errors.js';
import type { Vars } from './types.js';
import { decodeText, deref, locate, readYaml, toVarValue } from './yaml-source.js';

const EXTS = ['', '.yml', '.yaml', '.json'];

async function kind(p: string): Promise<'file' | 'dir' | undefined> {
  try {
    const s = await stat(p);
    return s.isDirectory() ? 'dir' : s.isFile() ? 'file' : undefined;
  } catch {
    return undefined;
  }
}

async function dirFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const names = (await readdir(dir)).sort();
  for (const n of names) {
    if (n.startsWith('.') || n.endsWith('~')) continue;
    const full = path.join(dir, n);
    const ext = path.extname(n);
    const k = await kind(full);
    if (k === 'dir' && !ext) out.push(...(await dirFiles(full)));
    else if (k === 'file' && EXTS.includes(ext)) out.push(full);
  }
  return out;
}

export async function findVarsFiles(dir: string, name: string): Promise<string[]> {
  for (const ext of EXTS) {
    const p = path.join(dir, name + ext);
    const k = await kind(p);
    if (k === 'dir') return dirFiles(p);
    if (k === 'file') return [p];
  }
  return [];
}

/** One vars file: a YAML (1.1) or JSON mapping; an empty file is no variables. */
export async function loadVarsFile(file: string): Promise<Vars> {
  const src = readYaml(file, decodeText(await readFile(file), file));
  const root = deref(src, src.doc.contents);
  const v = toVarValue(src, root);
  if (v === null) return {};
  if (!isMap(root) || typeof v !== 'object' || Array.isArray(v))
    throw inputError('a vars file must hold a mapping of variable names to values', locate(src, root), 'write `name: value` lines');
  return v;
}

/** Merged variables of `group_vars/<name>` or `host_vars/<name>` under `basedir`. */
export async function entityVars(basedir: string, sub: 'group_vars' | 'host_vars', name: string): Promise<Vars> {
  if (name.startsWith('/')) return {};
  const dir = path.join(basedir, sub);
  if ((await kind(dir)) !== 'dir') return {};
  let out: Vars = {};
  for (const f of await findVarsFiles(dir, name)) out = { ...out, ...(await loadVarsFile(f)) };
  return out;
}
