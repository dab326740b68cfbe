// zod issues to located problems with hints: unknown keys point at the key and say which key was
// meant or where it belongs; missing keys point at the mapping that lacks them.
import type { z } from 'zod';
import type { InputProblem } from '../errors.js';
import { keyLocation, valueLocation, type Path } from './locate.js';
import { KEYS, SHAPE_HINTS } from './schema.js';
import type { YamlSource } from './source.js';
import { closest } from './suggest.js';
import { describe } from './values.js';

type Issue = z.core.$ZodIssue;

/** `rollout.phases[]` for ['rollout', 'phases', 3]: the level a path is at, without indices. */
export function template(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? '[]' : s === '' ? p : `.${p}`;
  return s;
}

/** `rollout.phases[3]` for ['rollout', 'phases', 3]. */
export function label(path: Path): string {
  let s = '';
  for (const p of path) s += typeof p === 'number' ? `[${p}]` : s === '' ? p : `.${p}`;
  return s;
}

const levelName = (level: string) => (level === '' ? 'at the top of the play' : `under ${level}`);

const ANSIBLE_ONLY: Record<string, string> = {
  tasks: 'kfleet playbooks declare state, not tasks: describe it under kfence:',
  roles: 'kfleet playbooks declare state, not roles: describe it under kfence:',
  become: 'set ansible_become in the inventory (host or group vars)',
  gather_facts: 'kfleet always probes each host; remove gather_facts',
  vars: 'kfleet playbooks take no vars; write the values in place',
  serial: 'use rollout.phases, e.g. phases: [1, "10%", "100%"]',
};

/** The hint for an unknown key at `level`. */
export function unknownKeyHint(key: string, level: string): string {
  if (key === '<<') return 'merge keys (<<) are YAML 1.1; write the keys out';
  if (level === '' && ANSIBLE_ONLY[key]) return ANSIBLE_ONLY[key];
  const here = KEYS[level] ?? [];
  const levels = Object.keys(KEYS).filter((l) => l !== level && l !== 'rollout.phases[]' && l !== 'health');
  const home = levels.find((l) => KEYS[l]?.includes(key));
  if (home !== undefined) return `${key} belongs ${levelName(home)}`;
  const near = closest(key, here);
  if (near !== undefined) return `did you mean ${near}?`;
  for (const l of levels) {
    const far = closest(key, KEYS[l] ?? []);
    if (far !== undefined && far.length > 3) return `did you mean ${l === '' ? '' : `${l}.`}${far}?`;
  }
  return `allowed ${levelName(level)}: ${here.join(', ')}`;
}

function located(src: YamlSource, message: string, hint: string | undefined, loc: ReturnType<typeof valueLocation>): InputProblem {
  return hint === undefined ? { message, location: loc } : { message, hint, location: loc };
}

/** Pick the branch of a failed union that matched the value's shape (a mapping vs a scalar). */
function unionBranch(errors: Issue[][]): Issue[] {
  const shaped = errors.find((branch) => !branch.some((i) => i.code === 'invalid_type' && i.path.length === 0));
  return shaped ?? errors[errors.length - 1] ?? [];
}

/** Problems for one play's issues; `prefix` is the play's path in the document ([] or [i]). */
export function issuesToProblems(src: YamlSource, prefix: Path, issues: readonly Issue[], within: Path = []): InputProblem[] {
  const out: InputProblem[] = [];
  // A missing key that an unknown sibling key was a typo for is reported once, as the typo.
  const meant = new Set<string>();
  for (const issue of issues) {
    if (issue.code !== 'unrecognized_keys') continue;
    const rel = [...within, ...(issue.path as (string | number)[])];
    for (const key of issue.keys) {
      const near = closest(key, KEYS[template(rel)] ?? []);
      if (near !== undefined) meant.add(label([...rel, near]));
    }
  }
  for (const issue of issues) {
    const rel = [...within, ...(issue.path as (string | number)[])];
    const abs = [...prefix, ...rel];
    const where = label(rel);
    const parentLabel = label(rel.slice(0, -1));
    const lastKey = rel[rel.length - 1];
    const input = (issue as { input?: unknown }).input;
    if (input === undefined && meant.has(where)) continue;
    switch (issue.code) {
      case 'unrecognized_keys':
        for (const key of issue.keys) {
          out.push(located(src, `unknown key "${key}" ${where === '' ? 'in the play' : `in ${where}`}`, unknownKeyHint(key, template(rel)), keyLocation(src, abs, key)));
        }
        break;
      case 'invalid_union':
        out.push(...issuesToProblems(src, prefix, unionBranch(issue.errors), rel));
        break;
      case 'custom': {
        const hint = (issue.params as { hint?: string } | undefined)?.hint;
        if (input === undefined && typeof lastKey === 'string') {
          out.push(located(src, `${parentLabel === '' ? 'the play' : parentLabel}: ${issue.message}`, hint, valueLocation(src, abs)));
        } else {
          out.push(located(src, `${where}: ${issue.message}`, hint, valueLocation(src, abs)));
        }
        break;
      }
      case 'invalid_type': {
        const shape = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : issue.expected;
        if (input === undefined && typeof lastKey === 'string') {
          out.push(located(src, `${parentLabel === '' ? 'the play' : parentLabel}: missing required key "${lastKey}"`, SHAPE_HINTS[template(rel)], valueLocation(src, abs)));
        } else {
          out.push(located(src, `${where === '' ? 'the play' : where}: expected ${shape}, got ${describe(input)}`, SHAPE_HINTS[template(rel)], valueLocation(src, abs)));
        }
        break;
      }
      case 'too_small':
        out.push(located(src, `${where}: must not be empty`, SHAPE_HINTS[template(rel)], valueLocation(src, abs)));
        break;
      default:
        out.push(located(src, `${where}: ${issue.message}`, undefined, valueLocation(src, abs)));
    }
  }
  return out;
}
