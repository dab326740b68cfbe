// Builds test/fixtures/kmod (the module that makes KFENCE report a real use-after-free or
// out-of-bounds read) against the cached linux-headers, in a copy under the cache, with debug
// info. The unstripped module stays on the controller (CACHE/kmod/, the debug file that
// `kfleet report --symbolize --debug-dir` finds); the guest gets a copy stripped of its debug
// sections (CACHE/kmod-guest/), as distributions install modules. Both carry the same build id.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { CACHE, KMOD_NAME, KMOD_SRC, type KernelInfo } from '../paths.js';
import { hashFiles, hashOf, isFresh, writeStamp } from './stamp.js';

export interface BuiltKmod {
  /** The unstripped module, with DWARF (.debug_info, .debug_line). */
  debug: string;
  /** The same module stripped of debug sections (what the guest loads). */
  guest: string;
}

/** The GNU build id of an ELF file (readelf -n), null when it has none. */
export async function buildIdOf(file: string): Promise<string | null> {
  const r = await $({ quiet: true, nothrow: true })`readelf -n ${file}`;
  return /Build ID: ([0-9a-f]+)/.exec(r.stdout)?.[1] ?? null;
}

export async function ensureKmod(kernel: KernelInfo, log: (s: string) => void): Promise<BuiltKmod> {
  const dir = join(CACHE, 'kmod');
  const ko = join(dir, `${KMOD_NAME}.ko`);
  const guest = join(CACHE, 'kmod-guest', `${KMOD_NAME}.ko`);
  const sources = readdirSync(KMOD_SRC).filter((f) => f.endsWith('.c') || f === 'Makefile').sort().map((f) => join(KMOD_SRC, f));
  const stamp = hashOf([kernel.abi, hashFiles(sources), 'debug+stripped']);
  const stampFile = join(CACHE, 'kmod.stamp');
  if (isFresh(stampFile, stamp, [ko, guest])) return { debug: ko, guest };
  log(`building ${KMOD_NAME}.ko against ${kernel.release} headers`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of sources) cpSync(s, join(dir, s.slice(KMOD_SRC.length + 1)));
  const r = await $({ quiet: true, nothrow: true, cwd: dir })`make KDIR=${kernel.headers}`;
  if (r.exitCode !== 0) throw new Error(`building the test module failed:\n${r.stdout}\n${r.stderr}`);
  const vermagic = (await $({ quiet: true })`modinfo -F vermagic ${ko}`).stdout.trim();
  if (!vermagic.startsWith(kernel.release + ' ')) throw new Error(`test module vermagic "${vermagic}" does not match ${kernel.release}`);
  const sections = (await $({ quiet: true })`readelf -W -S ${ko}`).stdout;
  for (const s of ['.debug_info', '.debug_line']) if (!sections.includes(` ${s} `)) throw new Error(`${ko} has no ${s} section: built without debug info`);
  rmSync(join(CACHE, 'kmod-guest'), { recursive: true, force: true });
  mkdirSync(join(CACHE, 'kmod-guest'), { recursive: true });
  await $({ quiet: true })`strip --strip-debug -o ${guest} ${ko}`;
  writeStamp(stampFile, stamp);
  return { debug: ko, guest };
}
