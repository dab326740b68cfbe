// One store per state location per process: `stateStore(stateDir)` for a directory or an etcd URL.
import { resolve } from 'node:path';
import { EtcdStore } from './etcd-store.js';
import { FileStore } from './file-store.js';
import { isEtcdState, parseStateLocation } from './location.js';
import type { HeldLock, StateStore } from './store.js';

const stores = new Map<string, StateStore>();
const held = new Map<string, HeldLock>();

/** One key per place: directories by absolute path, etcd by its URL. */
const keyOf = (spec: string) => (isEtcdState(spec) ? spec : resolve(spec));

export function stateStore(spec: string): StateStore {
  const key = keyOf(spec);
  let s = stores.get(key);
  if (!s) {
    const loc = parseStateLocation(spec);
    s = loc.kind === 'etcd' ? new EtcdStore(loc) : new FileStore(loc.dir);
    stores.set(key, s);
  }
  return s;
}

/** The fleet lock this process holds on that store, if any: journals opened there are fenced by it. */
export function heldLock(spec: string): HeldLock | undefined {
  return held.get(keyOf(spec));
}

export function registerHeld(spec: string, lock: HeldLock | null): void {
  if (lock) held.set(keyOf(spec), lock);
  else held.delete(keyOf(spec));
}
