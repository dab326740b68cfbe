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
  let js: unknown;
  try {
    js = node && typeof node === 'object' && 'toJS' in node ? (node as Node).toJS(src.doc, { maxAliasCount: 1000 }) : node;
  } catch (e) {
    // yaml throws plain errors for alias bombs ("Excessive alias count"), unresolved aliases and
    // bad merge keys: they are the user's input problems, not kfleet bugs.
    throw new InputError([{ message: `invalid YAML: ${(e as Error).message}`, location: locate(src, node), hint: 'remove the anchors/aliases (or merge keys) that cannot be resolved' }]);
  }
  return plain(js);
}

/** The text of a YAML/JSON file that must be UTF-8 without control characters (besides tab, CR, LF). */
export function decodeText(bytes: Uint8Array, file: string): string {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const at = (offset: number): Location => {
    const before = text.slice(0, offset);
    const nl = before.lastIndexOf('\n');
    return { file, line: before.split('\n').length, col: offset - nl };
  };
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new InputError([{ message: 'the file is not UTF-8 text', location: at(bad), hint: 'is this the right file? vars files are YAML or JSON text' }]);
    }
  }
  // eslint-disable-next-line no-control-regex
  const ctl = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.exec(text);
  if (ctl) throw new InputError([{ message: `the file contains the control character 0x${ctl[0].charCodeAt(0).toString(16).padStart(2, '0')}`, location: at(ctl.index), hint: 'is this the right file? vars files are YAML or JSON text' }]);
  return text;
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
