#!/usr/bin/env node
// Launcher. It runs the compiled JavaScript in dist/ (`npm run build`; an installed package ships
// only dist/) whenever that build is there and at least as new as every file under src/: the
// bundle (dist/bundle/main.js, esbuild, fewer modules to load) when the build made one, else the
// per-file output of tsc (dist/cli/main.js); in a
// checkout without a build, or with sources edited since, it runs the TypeScript through tsx, so
// it never runs a stale build. KFLEET_USE_DIST=1 forces dist/, KFLEET_USE_SOURCE=1 forces tsx.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');
const bundled = join(root, 'dist', 'bundle', 'main.js');
const built = existsSync(bundled) ? bundled : join(root, 'dist', 'cli', 'main.js');

/** True when dist/ is missing or older than some source file (a checkout edited since the build). */
function distIsStale() {
  let builtAt;
  try {
    builtAt = statSync(built).mtimeMs;
  } catch {
    return true;
  }
  try {
    // `npm run build` touches this before compiling: a source saved while tsc ran is newer than it
    builtAt = Math.min(builtAt, statSync(join(root, 'dist', '.build-started')).mtimeMs);
  } catch {
    // built some other way: the output's own time
  }
  if (!existsSync(srcDir)) return false;
  for (const e of readdirSync(srcDir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name.endsWith('.ts') && statSync(join(e.parentPath ?? e.path, e.name)).mtimeMs > builtAt) return true;
  }
  return false;
}

let useSource = process.env.KFLEET_USE_DIST !== '1' && existsSync(srcDir) && (process.env.KFLEET_USE_SOURCE === '1' || distIsStale());
if (useSource) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    useSource = false; // no tsx (production install): run whatever build there is
  }
}
await import(pathToFileURL(useSource ? join(srcDir, 'cli', 'main.ts') : built).href);
