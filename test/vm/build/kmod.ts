// Builds test/fixtures/kmod (the module that makes KFENCE report a real use-after-free or
// out-of-bounds read) against the cached linux-headers, in a copy under the cache.
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { CACHE, KMOD_NAME, KMOD_SRC, type KernelInfo } from '../paths.js';
import { hashFiles, hashOf, isFresh, writeStamp } from './stamp.js';

export async function ensureKmod(kernel: KernelInfo, log: (s: string) => void): Promise<string> {
  const dir = join(CACHE, 'kmod');
  const ko = join(dir, `${KMOD_NAME}.ko`);
  const sources = readdirSync(KMOD_SRC).filter((f) => f.endsWith('.c') || f === 'Makefile').sort().map((f) => join(KMOD_SRC, f));
  const stamp = hashOf([kernel.abi, hashFiles(sources)]);
  const stampFile = join(CACHE, 'kmod.stamp');
  if (isFresh(stampFile, stamp, [ko])) return ko;
  log(`building ${KMOD_NAME}.ko against ${kernel.release} headers`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const s of sources) cpSync(s, join(dir, s.slice(KMOD_SRC.length + 1)));
  const r = await $({ quiet: true, nothrow: true, cwd: dir })`make KDIR=${kernel.headers}`;
  if (r.exitCode !== 0) throw new Error(`building the test module failed:\n${r.stdout}\n${r.stderr}`);
  const vermagic = (await $({ quiet: true })`modinfo -F vermagic ${ko}`).stdout.trim();
  if (!vermagic.startsWith(kernel.release + ' ')) throw new Error(`test module vermagic "${vermagic}" does not match ${kernel.release}`);
  writeStamp(stampFile, stamp);
  return ko;
}
