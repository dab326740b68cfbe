// From a playbook file's bytes to one YAML 1.2 document with positions, or the problems that stop
// it: too big, not UTF-8 text, syntax errors, duplicate keys, tags, several documents, nothing at
// all, alias bombs. Pure (no I/O): load.ts reads the file.
import { LineCounter, isAlias, parseAllDocuments, visit, type Document } from 'yaml';
import type { InputProblem } from '../errors.js';
import { overIndentAt, type OverIndent } from './over-indent.js';

export const MAX_PLAYBOOK_BYTES = 1024 * 1024;
/** Alias expansions allowed in toJS (yaml's resource-exhaustion guard). */
export const MAX_ALIAS_COUNT = 100;

export interface YamlSource {
  file: string;
  text: string;
  doc: Document;
  lc: LineCounter;
  /** The document as plain JS (maps as objects, sequences as arrays). */
  data: unknown;
}

export type SourceResult = { ok: true; source: YamlSource } | { ok: false; problems: InputProblem[] };

const YAML_OPTIONS = {
  version: '1.2',
  prettyErrors: false,
  uniqueKeys: true,
  strict: true,
  stringKeys: true,
  merge: false,
  resolveKnownTags: false,
} as const;

const HINTS: Record<string, string> = {
  DUPLICATE_KEY: 'each key may appear once per mapping; keep one',
  TAB_AS_INDENT: 'indent with spaces, not tabs',
  TAG_RESOLVE_FAILED: 'playbooks take plain values: remove the tag',
  BAD_INDENT: 'check the indentation of this line against the lines above',
  MISSING_CHAR: 'a bracket or quote opened here is not closed',
  MULTILINE_IMPLICIT_KEY: 'a key and its colon must be on one line; quote values that contain ": "',
  BLOCK_AS_IMPLICIT_KEY: 'quote values that contain ": "',
};

/** Parser errors an over-indented key shows up as (at the line above it). */
const INDENT_SHAPED = new Set(['BLOCK_AS_IMPLICIT_KEY', 'MULTILINE_IMPLICIT_KEY', 'BAD_INDENT']);

function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < offset; i = text.indexOf('\n', i + 1)) {
    line++;
    start = i + 1;
  }
  return { line, col: offset - start + 1 };
}

/** The problem for a file over MAX_PLAYBOOK_BYTES. */
export function tooBig(file: string, size: number): InputProblem {
  return {
    message: `the file is ${(size / 1024 / 1024).toFixed(1)} MiB; kfleet reads playbooks up to 1 MiB`,
    hint: 'is this the right file? A playbook is a few dozen lines of YAML',
    location: { file, line: 1, col: 1 },
  };
}

/** Checks that need the raw bytes: size, encoding, control characters. */
function checkBytes(bytes: Uint8Array, file: string): { text: string } | { problems: InputProblem[] } {
  const at = (text: string, offset: number) => ({ file, ...lineCol(text, offset) });
  if (bytes.length > MAX_PLAYBOOK_BYTES) return { problems: [tooBig(file, bytes.length)] };
  const text = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false }).decode(bytes);
  // eslint-disable-next-line no-control-regex
  const ctl = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.exec(text);
  if (ctl) {
    const code = ctl[0].charCodeAt(0).toString(16).padStart(2, '0');
    return {
      problems: [{
        message: `the file contains the control character 0x${code}`,
        hint: 'is this the right file? Playbooks are YAML text',
        location: at(text, ctl.index),
      }],
    };
  }
  const fatal = (() => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      return false;
    } catch {
      return true;
    }
  })();
  if (fatal) {
    return {
      problems: [{
        message: 'the file is not UTF-8 text',
        hint: 'is this the right file? Playbooks are YAML text in UTF-8',
        location: at(text, Math.max(0, text.indexOf('\uFFFD'))),
      }],
    };
  }
  return { text };
}

/** The key written at `offset` (plain or quoted), for duplicate-key messages. */
function keyText(text: string, offset: number): string {
  const m = /^("(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\n:#,{}[\]]+?)\s*:/.exec(text.slice(offset, offset + 300));
  return m?.[1]?.trim() ?? text.slice(offset).split(/[:\n]/)[0]?.trim() ?? '';
}

function firstAlias(doc: Document): number {
  let pos = 0;
  visit(doc, {
    Alias(_k, node) {
      if (isAlias(node) && node.range) {
        pos = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return pos;
}

export function parseYamlSource(input: Uint8Array | string, file: string): SourceResult {
  const bytes = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  const checked = checkBytes(bytes, file);
  if ('problems' in checked) return { ok: false, problems: checked.problems };
  const text = checked.text;
  const lc = new LineCounter();
  const docs = parseAllDocuments(text, { ...YAML_OPTIONS, lineCounter: lc });
  const at = (offset: number) => ({ file, ...lc.linePos(offset) });
  const problems: InputProblem[] = [];
  const first = Array.isArray(docs) ? docs[0] : undefined;
  if (!Array.isArray(docs) || !first) {
    return { ok: false, problems: [{ message: 'the playbook is empty', hint: 'a playbook holds one play (a mapping with hosts: and kfence:) or a list of plays', location: { file, line: 1, col: 1 } }] };
  }
  const overIndents: OverIndent[] = [];
  for (const e of first.errors) {
    if (!INDENT_SHAPED.has(e.code)) continue;
    const line = lc.linePos(e.pos[0]).line;
    if (overIndents.some((o) => line >= o.lines[0] && line <= o.lines[1])) continue;
    const found = overIndentAt(text, file, line);
    if (found) overIndents.push(found);
  }
  problems.push(...overIndents.map((o) => o.problem));
  for (const e of [...first.errors, ...first.warnings]) {
    const line = lc.linePos(e.pos[0]).line;
    if (overIndents.some((o) => line >= o.lines[0] && line <= o.lines[1])) continue; // said above, better
    let message = `YAML: ${e.message}`;
    if (e.code === 'DUPLICATE_KEY') message = `duplicate key ${keyText(text, e.pos[0])}`;
    problems.push({ message, hint: HINTS[e.code], location: at(e.pos[0]) });
  }
  const second = docs[1];
  if (second) {
    problems.push({
      message: 'a playbook holds one YAML document; found a second one here',
      hint: 'put several plays in one list (- name: ...) instead of separate --- documents',
      location: at(second.range[0]),
    });
  }
  const version = first.directives?.yaml.version;
  if (version !== undefined && version !== '1.2') {
    problems.push({
      message: `kfleet reads YAML 1.2 only; this file declares %YAML ${version}`,
      hint: 'remove the %YAML directive, and write booleans as true/false',
      location: { file, line: 1, col: 1 },
    });
  }
  if (problems.length) return { ok: false, problems: problems.sort(byPosition) };
  let data: unknown;
  try {
    data = first.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const bomb = /alias count/i.test(msg);
    return {
      ok: false,
      problems: [{
        message: bomb ? 'too many alias expansions (a YAML "billion laughs" document?)' : `YAML: ${msg}`,
        hint: bomb ? `kfleet expands at most ${MAX_ALIAS_COUNT} aliases; write the values out` : 'define the &anchor before using the *alias',
        location: at(firstAlias(first)),
      }],
    };
  }
  if (data === null || data === undefined) {
    return { ok: false, problems: [{ message: 'the playbook is empty', hint: 'a playbook holds one play (a mapping with hosts: and kfence:) or a list of plays', location: at(first.contents?.range[0] ?? 0) }] };
  }
  return { ok: true, source: { file, text, doc: first, lc, data } };
}

export function byPosition(a: InputProblem, b: InputProblem): number {
  return (a.location.line ?? 0) - (b.location.line ?? 0) || (a.location.col ?? 0) - (b.location.col ?? 0);
}
