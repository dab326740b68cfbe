// Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible's INI plugin uses to
// split a host line into the host pattern and `key=value` tokens.

export class ShlexError extends Error {}

export function shlexSplit(line: string): string[] {
  const tokens: string[] = [];
  let token = '';
  let inToken = false;
  let i = 0;
  const ws = (c: string): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';
  while (i < line.length) {
    const c = line[i] as string;
    if (ws(c)) {
      if (inToken) tokens.push(token);
      token = '';
      inToken = false;
      i++;
    } else if (c === '#') {
      break; // a comment runs to the end of the line, even inside a word
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new ShlexError('No escaped character');
      token += line[i + 1];
      inToken = true;
      i += 2;
    } else if (c === "'" || c === '"') {
      inToken = true;
      i++;
      for (;;) {
        if (i >= line.length) throw new ShlexError('No closing quotation');
        const d = line[i] as string;
        if (d === c) {
          i++;
          break;
        }
        if (c === '"' && d === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
          token += line[i + 1];
          i += 2;
          continue;
        }
        token += d;
        i++;
      }
    } else {
      token += c;
      inToken = true;
      i++;
    }
  }
  if (inToken) tokens.push(token);
  return tokens;
}
