// Test helpers: fixture loading and the timestamp/journal prefixing used to derive variants
// of the verbatim reports.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const FIXTURE_DIR = fileURLToPath(new URL('../fixtures/reports/', import.meta.url));

export function fixture(name: string): string {
  return readFileSync(FIXTURE_DIR + name, 'utf8');
}

export function fixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR).filter((f) => f.endsWith('.txt')).sort();
}

/** Remove `[   12.345678] ` stamps. */
export function stripStamps(text: string): string {
  return text.replace(/^\[ *\d+\.\d+\] ?/gm, '');
}

/** Add dmesg stamps (`[  t.us] `) starting at `t0`, `step` seconds apart. */
export function addStamps(text: string, t0: number, step = 0.000517): string {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    lines
      .map((l, i) => {
        const t = (t0 + i * step).toFixed(6);
        return `[${t.padStart(12)}] ${l}`;
      })
      .join('\n') + '\n'
  );
}

/** Prefix each line the way `journalctl -k` (short format) prints kernel messages. */
export function asJournal(text: string, host = 'web-01', date = 'Nov 25 10:02:11'): string {
  return (
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((l) => `${date} ${host} kernel: ${l}`)
      .join('\n') + '\n'
  );
}
