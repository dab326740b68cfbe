// `kfleet report --symbolize`: stack frames (`func+0x12/0x40 [mod]`) resolved to source file and
// line, inlined callers included, on the controller with GNU addr2line (or llvm-symbolizer for
// linked images when addr2line is missing). Debug files are found as symbolize-locate.ts says
// (--debug-file, then by build id or release in each --debug-dir); symbols and their sections as
// symbolize-elf.ts says (a module's address is an offset in the symbol's own section).
//
// A frame is a return address (the instruction after a call) except where the kernel printed
// the faulting instruction itself: the first frame of the access stack of a report raised by a
// page fault (use-after-free, out-of-bounds, invalid access: KFENCE saves that stack from the
// fault's registers and skips nothing). A return address is looked up one byte earlier, inside
// its call instruction, so the line is the call's; the first frame of the allocation and free
// stacks and of an invalid-free or corruption report (stack_trace_save from inside KFENCE, its
// own frames skipped) is a return address too. A frame that cannot be resolved keeps its text
// and says why (`unresolved`).

import { execFileSync } from 'node:child_process';
import type { HostReports, KfenceReport, ReportKind, SourceLocation, StackFrame } from './types.js';
import { loadElfSymbols, pickSymbol, type ElfSymbols } from './symbolize-elf.js';
import { describeSources, locateDebugFile, type DebugSources } from './symbolize-locate.js';

export type SymbolizeOptions = DebugSources;

const run = (cmd: string, args: string[], input?: string): string | null => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'ignore'], ...(input !== undefined ? { input } : {}) });
  } catch {
    return null;
  }
};

/** addr2line -a -f -i output: per address, its function/file:line pairs (innermost first). */
function parseAddr2line(out: string): SourceLocation[][] {
  const res: SourceLocation[][] = [];
  let cur: SourceLocation[] | null = null;
  let fn: string | null = null;
  for (const line of out.split('\n')) {
    if (/^0x[0-9a-f]+$/.test(line)) {
      cur = [];
      res.push(cur);
      fn = null;
    } else if (fn === null) fn = line.trim();
    else {
      const m = /^(.*):(\d+)(?: \(discriminator \d+\))?$/.exec(line.trim());
      if (cur && m && m[1] !== '??' && Number(m[2]) > 0) cur.push({ fn: fn.replace(/ \(inlined by\)$/, ''), file: m[1]!, line: Number(m[2]) });
      fn = null;
    }
  }
  return res;
}

function symbolizeAddresses(file: ElfSymbols, items: { section: string; addr: bigint }[]): SourceLocation[][] {
  const out: SourceLocation[][] = new Array(items.length).fill(null).map(() => []);
  const bySection = new Map<string, number[]>();
  items.forEach((it, i) => {
    const k = file.relocatable ? it.section : '';
    bySection.set(k, [...(bySection.get(k) ?? []), i]);
  });
  for (const [section, idx] of bySection) {
    const addrs = idx.map((i) => `0x${items[i]!.addr.toString(16)}`);
    const args = ['-a', '-f', '-i', '-e', file.path, ...(section ? ['-j', section] : [])];
    const text = run('addr2line', args, addrs.join('\n') + '\n');
    if (text !== null) {
      parseAddr2line(text).forEach((locs, k) => {
        if (idx[k] !== undefined) out[idx[k]!] = locs;
      });
      continue;
    }
    if (section) continue; // llvm-symbolizer cannot address a section of a relocatable object
    const llvm = run('llvm-symbolizer', ['--obj', file.path, '--inlining', '--functions=linkage'], addrs.join('\n') + '\n');
    if (llvm === null) continue;
    llvm.split('\n\n').forEach((block, k) => {
      const lines = block.split('\n').filter(Boolean);
      const locs: SourceLocation[] = [];
      for (let j = 0; j + 1 < lines.length; j += 2) {
        const m = /^(.*):(\d+):\d+$/.exec(lines[j + 1]!);
        if (m && m[1] !== '??' && Number(m[2]) > 0) locs.push({ fn: lines[j]!, file: m[1]!, line: Number(m[2]) });
      }
      if (idx[k] !== undefined) out[idx[k]!] = locs;
    });
  }
  return out;
}

/** Report kinds raised from a page fault: their access stack starts at the faulting instruction. */
const FAULT_KINDS: ReadonlySet<ReportKind> = new Set(['use-after-free', 'out-of-bounds', 'invalid-access', 'unknown']);

/** Each stack of a report with whether its first frame is the exact faulting instruction. */
const stacksOf = (r: KfenceReport): { frames: StackFrame[]; exactFirst: boolean }[] => [
  { frames: r.access_stack, exactFirst: FAULT_KINDS.has(r.kind) },
  { frames: r.allocated?.stack ?? [], exactFirst: false },
  { frames: r.freed?.stack ?? [], exactFirst: false },
];

/** Symbolize every frame of every report in place; returns how many frames were resolved and not. */
export function symbolizeReports(hosts: readonly HostReports[], opts: SymbolizeOptions): { resolved: number; unresolved: number } {
  const files = new Map<string, ElfSymbols | null>();
  const work = new Map<ElfSymbols, { frame: StackFrame; section: string; addr: bigint }[]>();
  let unresolved = 0;
  const miss = (f: StackFrame, why: string): void => {
    f.unresolved = why;
    delete f.source;
    unresolved++;
  };
  for (const hr of hosts) {
    for (const r of hr.reports) {
      const release = hr.release ?? r.cpu?.release ?? null;
      for (const { frames, exactFirst } of stacksOf(r)) {
        frames.forEach((f, i) => {
          const [offText, sizeText] = (f.offset ?? '').split('/');
          if (!offText) return miss(f, 'no offset printed');
          const off = BigInt(offText);
          const path = locateDebugFile(opts, f.module, release, f.build_id);
          if (path === null) return miss(f, `no debug file for ${f.module ?? 'vmlinux'}${release ? ` ${release}` : ''} in ${describeSources(opts)}`);
          if (!files.has(path)) files.set(path, loadElfSymbols(path));
          const file = files.get(path);
          if (!file) return miss(f, `cannot read ${path} (readelf)`);
          const sym = pickSymbol(file, f.fn, sizeText ? BigInt(sizeText) : null);
          if (!sym) return miss(f, `${f.fn} is not in ${path}`);
          const returnAddress = !(i === 0 && exactFirst) && off > 0n;
          work.set(file, [...(work.get(file) ?? []), { frame: f, section: sym.section, addr: sym.value + off - (returnAddress ? 1n : 0n) }]);
        });
      }
    }
  }
  let resolved = 0;
  for (const [file, items] of work) {
    const locs = symbolizeAddresses(file, items);
    items.forEach((it, k) => {
      const l = locs[k] ?? [];
      if (l.length === 0) return miss(it.frame, `no line information for ${it.frame.fn} in ${file.path}`);
      it.frame.source = l;
      delete it.frame.unresolved;
      resolved++;
    });
  }
  return { resolved, unresolved };
}
