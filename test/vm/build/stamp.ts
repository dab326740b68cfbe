// Content stamps: a cached artefact is rebuilt only when one of its inputs changed.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';

export function hashOf(parts: (string | Buffer)[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? `s${p.length}:${p}` : p);
  return h.digest('hex');
}

export function hashFiles(paths: string[]): string {
  return hashOf(paths.flatMap((p) => [p, readFileSync(p)]));
}

export function isFresh(stampFile: string, stamp: string, outputs: string[]): boolean {
  return existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp && outputs.every((o) => existsSync(o));
}

export function writeStamp(stampFile: string, stamp: string): void {
  writeFileSync(stampFile, stamp);
}
