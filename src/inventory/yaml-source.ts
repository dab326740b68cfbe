// Reading YAML the way Ansible does (YAML 1.1: `yes` is true, `0644` is octal), with every problem
// reported as an InputError at file:line:col.
import { LineCounter, isAlias, parseDocument, type Document, type Node, type Tags } from 'yaml';
import { InputError, type InputProblem, type Location } from '../errors.js';
import type { VarValue } from './types.js';

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lc: LineCounter;
}

// PyYAML (which Ansible uses) does not read y/Y/n/N as booleans; the yaml package's 1.1 schema does.
const PY_TRUE = /^(?:[Yy]es|YES|[Tt]rue|TRUE|[Oo]n|ON)$/;
const PY_FALSE = /^(?:[Nn]o|NO|[Ff]alse|FALSE|[Oo]ff|OFF)$/;
function pyyamlTags(tags: Tags): Tags {
  return tags.map((t) => {
    if (typeof t !== 'object' || t.tag !== 'tag:yaml.org,2002:bool' || !t.test) return t;
    return { ...t, test: t.test.test('yes') ? PY_TRUE : PY_FALSE };
  });
}

export function readYaml(file: string, text: string): YamlSource {
  const lc = new LineCounter();
  const doc = parseDocument(text, { version: '1.1', lineCounter: lc, prettyErrors: false, uniqueKeys: true, customTags: pyyamlTags });
  if (doc.errors.length) {
    const problems: InputProblem[] = doc.errors.map((e) => {
      const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
      return { message: `invalid YAML: ${e.message.split('\n')[0]}`, location: { file, line: pos.line, col: pos.col } };
    });
    throw new InputError(problems);
  }
  return { file, doc, lc };
}

export function locate(src: YamlSource, node: unknown): Location {
  const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
  if (!range) return { file: src.file, line: 1, col: 1 };
  const p = src.lc.linePos(range[0]);
  return { file: src.file, line: p.line, col: p.col };
}

/** Follow an alias to the node it names. */
export function deref(src: YamlSource, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(src.doc);
  return n;
}

/** A node's value as plain data (dates become Python's `str(datetime)` form, sets become lists). */
export function toVarValue(src: YamlSource, node: unknown): VarValue {
  const js: unknown = node && typeof node === 'object' && 'toJS' in node ? (node as Node).toJS(src.doc, { maxAliasCount: 1000 }) : node;
  return plain(js);
}

function plain(v: unknown): VarValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '');
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Set) return [...v].map(plain);
  if (v instanceof Map) {
    const o: Record<string, VarValue> = {};
    for (const [k, x] of v) o[String(k)] = plain(x);
    return o;
  }
  if (typeof v === 'object') {
    const o: Record<string, VarValue> = {};
    for (const [k, x] of Object.entries(v)) o[k] = plain(x);
    return o;
  }
  return String(v);
}
