// Witnesses for the --symbolize tests, read with other tools than the ones kfleet calls: the C
// source's marker comments (the expected line) and objdump's disassembly (where an instruction is).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SRC = fileURLToPath(new URL('./symbolize/', import.meta.url));

/** The 1-based line of the first line of SRC/file holding `marker`. */
export const lineOf = (marker: string, file = 'kfleet_kfence_test.c'): number => readFileSync(join(SRC, file), 'utf8').split('\n').findIndex((l) => l.includes(marker)) + 1;

/** Instruction offsets of a function from objdump -d: [offset, text][]. */
export function disasm(file: string, fn: string): [number, string][] {
  const out = execFileSync('objdump', ['-d', '--no-show-raw-insn', file], { encoding: 'utf8' });
  const start = out.indexOf(`<${fn}>:\n`);
  const body = out.slice(start).split('\n\n')[0]!.split('\n').slice(1);
  const base = parseInt(/^([0-9a-f]+) /.exec(out.slice(out.lastIndexOf('\n', start) + 1))![1]!, 16);
  return body.map((l) => /^\s*([0-9a-f]+):\s+(.*)$/.exec(l)).filter((m): m is RegExpExecArray => m !== null).map((m) => [parseInt(m[1]!, 16) - base, m[2]!]);
}

/** The offset of the instruction after the first call in fn (a return address). */
export function returnAddressIn(file: string, fn: string): number {
  const d = disasm(file, fn);
  return d[d.findIndex(([, t]) => t.startsWith('call')) + 1]![0];
}

export const hex = (n: number): string => `0x${n.toString(16)}`;
