// The one function that turns a value into a POSIX shell word. Every value that reaches a remote
// command goes through shq() after validation; nothing is ever interpolated raw. Works in bash,
// dash and busybox ash (plain single quotes, no ANSI-C $'...').

export function shq(value: string): string {
  if (value.includes('\0')) throw new Error('refusing to quote a value containing a NUL byte');
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) && !value.startsWith('-')) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Quote every word and join them with spaces. */
export function shjoin(words: readonly string[]): string {
  return words.map(shq).join(' ');
}
