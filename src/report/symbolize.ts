// `kfleet report --symbolize --debug-dir DIR`: stack frames (`func+0x12/0x40 [mod]`) resolved to
// source file and line, inlined callers included, on the controller with GNU addr2line (or
// llvm-symbolizer for linked images when addr2line is missing). The debug file of a frame is
// found by build id (DIR/.build-id/ab/cdef….debug, also under DIR/usr/lib/debug) or by kernel
// release (vmlinux-RELEASE, lib/modules/RELEASE/…/mod.ko[.debug]). The symbol's address comes
// from the file's symbol table (objdump -t), plus the printed offset; a return address (every
// frame but a stack's first) is looked up one byte earlier, inside its call instruction.
// A frame that cannot be resolved keeps its text and says why (`unresolved`).

import { execFileSync } from 'node:child_process';
import { existsSync, openSync, readSync, closeSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { HostReports, KfenceReport, SourceLocation, StackFrame } from './types.js';

export interface SymbolizeOptions {
  debugDir: string;
}

interface Sym {
  value: bigint;
  section: string;
}

interface DebugFile {
  path: string;
  relocatable: boolean;
  symbols: Map<string, Sym>;
}

const run = (cmd: string, args: string[], input?: string): string | null => {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['pipe', 'pipe', 'ignore'], ...(input !== undefined ? { input } : {}) });
  } catch {
    return null;
  }
};

/** ELF e_type: ET_REL (1) is a module or object, its symbol values are section offsets. */
function isRelocatable(path: string): boolean {
  const fd = openSync(path, 'r');
  try {
    const b = Buffer.alloc(18);
    readSync(fd, b, 0, 18, 0);
    if (b.readUInt32BE(0) !== 0x7f454c46) return false;
    return (b[5] === 2 ? b.readUInt16BE(16) : b.readUInt16LE(16)) === 1;
  } finally {
    closeSync(fd);
  }
}

function loadDebugFile(path: string): DebugFile | null {
  const table = run('objdump', ['-t', path]);
  if (table === null) return null;
  const symbols = new Map<string, Sym>();
  for (const line of table.split('\n')) {
    // 0000000000000010 g     F .text	0000000000000021 name
    const m = /^([0-9a-f]{8,16}) .{7} (\S+)\s+[0-9a-f]{8,16}\s+(\S+)$/.exec(line);
    if (m && !symbols.has(m[3]!)) symbols.set(m[3]!, { value: BigInt(`0x${m[1]}`), section: m[2]! });
  }
  return { path, relocatable: isRelocatable(path), symbols };
}

function findFile(dir: string, names: readonly string[], depth: number): string | null {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return null;
  }
  for (const n of names) if (entries.includes(n) && statSync(join(dir, n)).isFile()) return join(dir, n);
  if (depth === 0) return null;
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (e.startsWith('.') || !statSync(p).isDirectory()) continue;
    const f = findFile(p, names, depth - 1);
    if (f) return f;
  }
  return null;
}

/** The debug file for a module (null for vmlinux) of a release, by build id first. */
export function locateDebugFile(debugDir: string, module: string | null, release: string | null, buildId?: string): string | null {
  if (buildId && buildId.length > 2) {
    for (const base of [debugDir, join(debugDir, 'usr/lib/debug')]) {
      const p = join(base, '.build-id', buildId.slice(0, 2), `${buildId.slice(2)}.debug`);
      if (existsSync(p)) return p;
    }
  }
  if (module === null) {
    const candidates = release
      ? [`usr/lib/debug/boot/vmlinux-${release}`, `usr/lib/debug/lib/modules/${release}/vmlinux`, `boot/vmlinux-${release}`, `vmlinux-${release}`, `${release}/vmlinux`, 'vmlinux']
      : ['vmlinux'];
    for (const c of candidates) if (existsSync(join(debugDir, c))) return join(debugDir, c);
    return null;
  }
  const names = [module, module.replace(/_/g, '-')].flatMap((n) => [`${n}.ko.debug`, `${n}.ko`]);
  const roots = release ? [join(debugDir, 'usr/lib/debug/lib/modules', release), join(debugDir, 'lib/modules', release), join(debugDir, release), debugDir] : [debugDir];
  for (const r of roots) {
    const f = findFile(r, names, r === debugDir ? 3 : 8);
    if (f) return f;
  }
  return null;
}

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

function symbolizeAddresses(file: DebugFile, items: { section: string; addr: bigint }[]): SourceLocation[][] {
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

const stacksOf = (r: KfenceReport): StackFrame[][] => [r.access_stack, r.allocated?.stack ?? [], r.freed?.stack ?? []];

/** Symbolize every frame of every report in place; returns how many frames were resolved and not. */
export function symbolizeReports(hosts: readonly HostReports[], opts: SymbolizeOptions): { resolved: number; unresolved: number } {
  const files = new Map<string, DebugFile | null>();
  const work = new Map<DebugFile, { frame: StackFrame; section: string; addr: bigint }[]>();
  let unresolved = 0;
  const miss = (f: StackFrame, why: string): void => {
    f.unresolved = why;
    delete f.source;
    unresolved++;
  };
  for (const hr of hosts) {
    for (const r of hr.reports) {
      const release = hr.release ?? r.cpu?.release ?? null;
      for (const stack of stacksOf(r)) {
        stack.forEach((f, i) => {
          const off = f.offset ? BigInt(f.offset.split('/')[0]!) : null;
          if (off === null) return miss(f, 'no offset printed');
          const path = locateDebugFile(opts.debugDir, f.module, release, f.build_id);
          if (path === null) return miss(f, `no debug file for ${f.module ?? 'vmlinux'}${release ? ` ${release}` : ''} in ${opts.debugDir}`);
          if (!files.has(path)) files.set(path, loadDebugFile(path));
          const file = files.get(path);
          if (!file) return miss(f, `cannot read ${path} (objdump)`);
          const sym = file.symbols.get(f.fn);
          if (!sym) return miss(f, `${f.fn} is not in ${path}`);
          const addr = sym.value + off - (i > 0 && off > 0n ? 1n : 0n);
          work.set(file, [...(work.get(file) ?? []), { frame: f, section: sym.section, addr }]);
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
