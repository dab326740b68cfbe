// Load a playbook: read the file, parse one YAML 1.2 document with positions, validate every play
// (schema, then cross-field rules), and either return the normalized model or throw one
// InputError holding every problem found, each at file:line:col with a hint.
import { open } from 'node:fs/promises';
import { InputError, type InputProblem, type Location } from '../errors.js';
import { issuesToProblems } from './issues.js';
import { keyOf, valueLocation, type Path } from './locate.js';
import { normalizePlay } from './normalize.js';
import { PlaySchema, type RawPlay } from './schema.js';
import { semanticIssues } from './semantics.js';
import { MAX_PLAYBOOK_BYTES, byPosition, parseYamlSource, tooBig, type YamlSource } from './source.js';
import type { Play, Playbook, SourceRef } from './types.js';
import { describe } from './values.js';

const PLAY_HINT = 'a play is a mapping with at least hosts: and kfence: {mode: ...}';

function validatePlay(src: YamlSource, raw: unknown, prefix: Path, problems: InputProblem[]): Play | undefined {
  const at = valueLocation(src, prefix);
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const what = prefix.length ? `play ${Number(prefix[0]) + 1}` : 'the playbook';
    problems.push({ message: `${what}: expected a mapping (one play) or a list of plays, got ${describe(raw)}`, hint: PLAY_HINT, location: at });
    return undefined;
  }
  const r = PlaySchema.safeParse(raw, { reportInput: true });
  const found = r.success ? [] : issuesToProblems(src, prefix, r.error.issues);
  const taken = r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
  for (const s of semanticIssues(raw as Record<string, unknown>)) {
    const key = s.path.join('.');
    // A value that is itself invalid already has its message.
    if (taken.some((t) => t === key || t.startsWith(`${key}.`))) continue;
    const abs = [...prefix, ...s.path];
    found.push({ message: s.message, hint: s.hint, location: s.atKey ? keyOf(src, abs) : valueLocation(src, abs) });
  }
  problems.push(...found);
  if (!r.success || found.length) return undefined;
  const ref = (l: Location): SourceRef => ({ file: src.file, line: l.line ?? 1, col: l.col ?? 1 });
  return normalizePlay(r.data as RawPlay, ref(at), ref(valueLocation(src, [...prefix, 'hosts'])));
}

/** Parse and validate playbook text (or bytes). Throws InputError with every problem found. */
export function parsePlaybook(input: string | Uint8Array, file: string): Playbook {
  const parsed = parseYamlSource(input, file);
  if (!parsed.ok) throw new InputError(parsed.problems);
  const src = parsed.source;
  const problems: InputProblem[] = [];
  const plays: Play[] = [];
  if (Array.isArray(src.data)) {
    if (src.data.length === 0) {
      problems.push({ message: 'the playbook holds no plays', hint: PLAY_HINT, location: valueLocation(src, []) });
    }
    src.data.forEach((raw, i) => {
      const play = validatePlay(src, raw, [i], problems);
      if (play) plays.push(play);
    });
  } else {
    const play = validatePlay(src, src.data, [], problems);
    if (play) plays.push(play);
  }
  if (problems.length) throw new InputError(problems.sort(byPosition));
  return { file, plays };
}

/** Read, parse and validate a playbook file. Throws InputError (exit 2) for any problem. */
export async function loadPlaybook(file: string): Promise<Playbook> {
  let bytes: Uint8Array;
  try {
    const fh = await open(file, 'r');
    try {
      const st = await fh.stat();
      if (st.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
      if (st.size > MAX_PLAYBOOK_BYTES) throw new InputError([tooBig(file, st.size)]);
      const buf = Buffer.alloc(st.size);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      bytes = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : (e as Error).message;
    throw new InputError([{ message: `cannot read the playbook: ${why}`, hint: 'give the path of a playbook YAML file', location: { file } }]);
  }
  return parsePlaybook(bytes, file);
}
