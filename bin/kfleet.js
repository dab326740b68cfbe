#!/usr/bin/env node
// Launcher. In a source checkout (src/ present and tsx installed) it runs the TypeScript sources
// through tsx, so it can never run a stale build; an installed package runs the compiled dist/.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'src', 'cli', 'main.ts');
let useSource = existsSync(source) && process.env.KFLEET_USE_DIST !== '1';
if (useSource) {
  try {
    const { register } = await import('tsx/esm/api');
    register();
  } catch {
    useSource = false;
  }
}
await import(pathToFileURL(useSource ? source : join(root, 'dist', 'cli', 'main.js')).href);
