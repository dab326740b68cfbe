// Where `--symbolize` finds the debug file of a frame (vmlinux, or a module's .ko / .ko.debug):
//   1. a file named on the command line (--debug-file): `mod.ko`, `mod.ko.debug` or `mod.debug`
//      is module `mod` (dashes read as underscores, as the kernel names modules), `vmlinux*` the kernel;
//   2. by build id in each --debug-dir: DIR/.build-id/ab/cdef….debug, also under DIR/usr/lib/debug;
//   3. by release in each --debug-dir, in the places decode_stacktrace.sh -r and Debian's -dbg
//      packages use: usr/lib/debug/boot/vmlinux-RELEASE, usr/lib/debug/lib/modules/RELEASE/…/mod.ko,
//      lib/modules/RELEASE/…, RELEASE/…, and DIR itself (a module build directory).

import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

export interface DebugSources {
  debugDirs: readonly string[];
  debugFiles?: readonly string[];
}

const norm = (name: string): string => name.replace(/-/g, '_');

/** The module a named debug file is for (null: vmlinux), undefined when the name says neither. */
export function moduleOfFile(path: string): string | null | undefined {
  const b = basename(path);
  if (/^vmlinux/.test(b)) return null;
  const m = /^(.+?)(?:\.ko(?:\.debug)?|\.debug)$/.exec(b);
  return m ? norm(m[1]!) : undefined;
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
    if (e.startsWith('.') || !statSync(p, { throwIfNoEntry: false })?.isDirectory()) continue;
    const f = findFile(p, names, depth - 1);
    if (f) return f;
  }
  return null;
}

function inDir(debugDir: string, module: string | null, release: string | null, buildId?: string): string | null {
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

/** The debug file for a module (null for vmlinux) of a release; null when none is found. */
export function locateDebugFile(src: DebugSources, module: string | null, release: string | null, buildId?: string): string | null {
  for (const f of src.debugFiles ?? []) if (moduleOfFile(f) === (module === null ? null : norm(module)) && existsSync(f)) return f;
  for (const d of src.debugDirs) {
    const f = inDir(d, module, release, buildId);
    if (f) return f;
  }
  return null;
}

/** For messages: where it was looked for. */
export function describeSources(src: DebugSources): string {
  return [...(src.debugFiles ?? []), ...src.debugDirs].join(', ') || '(no --debug-dir or --debug-file)';
}
