// A key indented further than the key above it (`   sample_interval: 100` under `  mode: sampling`)
// makes YAML read it as part of the value above, and the parser reports that at the line above
// ("Nested mappings are not allowed in compact mappings"). This finds that shape in the text and
// says it the way a person would: which line is indented wrongly, by how much, against which key.
import type { InputProblem } from '../errors.js';

/** `key: value` (optionally as a `- ` list item): the key's column (0-based) and its text. */
const KEY_WITH_VALUE = /^( *)(- +)?([^\s#'"{[\]}&*!|>%@`-][^:#]*?|"[^"]*"|'[^']*'):[ \t]+[^\s#]/;
const KEY = /^( *)([^\s#'"{[\]}&*!|>%@`-][^:#]*?|"[^"]*"|'[^']*'):(?:[ \t]|$)/;
const indentOf = (line: string) => /^ */.exec(line)?.[0].length ?? 0;
const significant = (line: string) => line.trim() !== '' && !line.trimStart().startsWith('#');

export interface OverIndent {
  problem: InputProblem;
  /** 1-based lines the parser's own errors about this mistake fall on (the key above through the over-indented block). */
  lines: [number, number];
}

/** The over-indented key whose parser error is reported at 1-based `line`, if that is what it is. */
export function overIndentAt(text: string, file: string, line: number): OverIndent | undefined {
  const lines = text.split(/\r?\n/);
  // the parser may point at a blank or comment line after the key; the key is the line before those
  while (line > 1 && lines[line - 1] !== undefined && !significant(lines[line - 1]!)) line--;
  const above = lines[line - 1];
  const k = above === undefined ? null : KEY_WITH_VALUE.exec(above);
  if (!k) return undefined;
  const keyCol = (k[1] ?? '').length + (k[2] ?? '').length;
  let next = line; // 0-based index of the line after `above`
  while (next < lines.length && !significant(lines[next]!)) next++;
  const wrong = lines[next];
  const m = wrong === undefined ? null : KEY.exec(wrong);
  if (!m || indentOf(wrong!) <= keyCol) return undefined;
  const extra = indentOf(wrong!) - keyCol;
  let end = next;
  while (end + 1 < lines.length && (!significant(lines[end + 1]!) || indentOf(lines[end + 1]!) > keyCol)) end++;
  const key = m[2]!;
  const aboveKey = k[3]!;
  const spaces = (n: number) => `${n} space${n === 1 ? '' : 's'}`;
  return {
    problem: {
      message: `"${key}:" is indented ${spaces(indentOf(wrong!))}, ${extra} more than "${aboveKey}:" on line ${line} above it, so YAML reads it as part of the value of "${aboveKey}"`,
      hint: `remove ${spaces(extra)} at the start of line ${next + 1} so "${key}:" starts in the same column as "${aboveKey}:"`,
      location: { file, line: next + 1, col: 1 },
    },
    lines: [line, end + 1],
  };
}
