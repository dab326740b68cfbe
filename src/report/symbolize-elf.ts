// The symbol table of a debug file (vmlinux, a module .ko or its .debug file) as `--symbolize`
// needs it: where `func+0x12/0x40` is. Read with GNU readelf (-W -S, -W -s), so that each
// function symbol carries its section.
//
// A module is a relocatable ELF file (ET_REL): every text section (.text, .text.unlikely,
// .init.text, .exit.text, ...) starts at address 0 and a symbol's value is an offset in its own
// section, so the same number names a place in each of them. The address of a frame is therefore
// a (section, offset) pair and addr2line must be told the section (`-j SECTION`), as the kernel's
// scripts/faddr2line does for non-vmlinux files since "Fix overlapping text section failures"
// (decode_stacktrace.sh's `nm` + `addr2line -e mod.ko ADDR` does not, and resolves an address in
// .init.text or .text.unlikely to whatever .text has at that offset). In vmlinux (ET_EXEC) values
// are absolute and the section does not matter.
//
// When a name is defined more than once (static functions of the same name), the printed size
// (`/0x40`) picks the one meant, as faddr2line does: kallsyms' size of a symbol is the distance to
// the next symbol of its section (padding included), not the ELF size.

import { execFileSync } from 'node:child_process';

export interface ElfSymbol {
  name: string;
  /** Section offset (relocatable) or absolute address (linked image). */
  value: bigint;
  /** The ELF st_size. */
  size: bigint;
  /** What kallsyms prints after the `/`: distance to the next symbol of the section. */
  kallsymsSize: bigint;
  section: string;
  func: boolean;
}

export interface ElfSymbols {
  path: string;
  /** ET_REL: values are section offsets (modules, objects). */
  relocatable: boolean;
  byName: Map<string, ElfSymbol[]>;
}

interface Section {
  name: string;
  size: bigint;
  exec: boolean;
}

const readelf = (args: string[]): string | null => {
  try {
    return execFileSync('readelf', args, { encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
};

//   [ 4] .text.unlikely    PROGBITS        0000000000000000 000044 000020 00  AX  0   0  1
const SECTION = /^\s*\[\s*(\d+)\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+[0-9a-f]+\s+([0-9a-f]+)\s+[0-9a-f]+\s+?([A-Za-z]*)\s+\d+\s+\d+\s+\d+\s*$/;
//     13: 0000000000000004    11 FUNC    GLOBAL DEFAULT    4 b
const SYMBOL = /^\s*\d+:\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\w+)\s+\w+\s+\w+\s+(\d+)\s+(\S+)$/;

/** The sections and function symbols of an ELF file; null when readelf cannot read it. */
export function loadElfSymbols(path: string): ElfSymbols | null {
  const header = readelf(['-W', '-h', path]);
  const sectionText = readelf(['-W', '-S', path]);
  const symbolText = readelf(['-W', '-s', path]);
  if (header === null || sectionText === null || symbolText === null) return null;
  const relocatable = /^\s*Type:\s+REL\b/m.test(header);
  const sections = new Map<number, Section>();
  for (const line of sectionText.split('\n')) {
    const m = SECTION.exec(line);
    if (m && m[1] !== '0') sections.set(Number(m[1]), { name: m[2]!, size: BigInt(`0x${m[3]}`), exec: m[4]!.includes('X') });
  }
  const inSection = new Map<number, ElfSymbol[]>();
  const byName = new Map<string, ElfSymbol[]>();
  for (const line of symbolText.split('\n')) {
    const m = SYMBOL.exec(line);
    if (!m) continue;
    const type = m[3]!;
    if (type !== 'FUNC' && type !== 'NOTYPE') continue;
    const index = Number(m[4]);
    const sec = sections.get(index);
    if (!sec?.exec) continue;
    const name = m[5]!.replace(/@.*$/, '');
    const sym: ElfSymbol = { name, value: BigInt(`0x${m[1]}`), size: BigInt(m[2]!), kallsymsSize: 0n, section: sec.name, func: type === 'FUNC' };
    inSection.set(index, [...(inSection.get(index) ?? []), sym]);
    byName.set(name, [...(byName.get(name) ?? []), sym]);
  }
  for (const [index, syms] of inSection) {
    const end = relocatable ? sections.get(index)!.size : null;
    const values = [...new Set(syms.map((s) => s.value))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const s of syms) {
      const next = values.find((v) => v > s.value);
      s.kallsymsSize = next !== undefined ? next - s.value : end !== null ? end - s.value : s.size;
    }
  }
  return { path, relocatable, byName };
}

/** The symbol a frame `name+off/size` means: the one whose size matches, else the first function. */
export function pickSymbol(file: ElfSymbols, name: string, printedSize: bigint | null): ElfSymbol | null {
  const all = file.byName.get(name) ?? [];
  if (all.length <= 1 || printedSize === null) return all[0] ?? null;
  return all.find((s) => s.kallsymsSize === printedSize) ?? all.find((s) => s.size === printedSize) ?? all.find((s) => s.func) ?? all[0] ?? null;
}
