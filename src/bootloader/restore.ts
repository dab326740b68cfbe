// The rollback side of the bootloader port: the changes that put a host's persisted kernel args
// back to what `before` recorded, given how they are `now`, on the host's own mechanism. Pure.
// (src/plan/restore.ts plans them for rollback and the boot-loop revert.)
import type { HostFacts } from '../facts/types.js';
import type { BootArgsChange } from '../plan/types.js';
import { editCmdline } from '../kernel/cmdline.js';
import { bootView } from './facts.js';
import { kfenceTokens } from './scripts.js';
import { sameDropin } from './grub-dropin.js';

function sameManaged(a: string, b: string): boolean {
  const x = kfenceTokens(a);
  const y = kfenceTokens(b);
  return x.size === y.size && [...x].every(([k, v]) => y.has(k) && y.get(k) === v);
}

/** `line` with its managed tokens replaced by those of `model` (other tokens kept). */
function withManagedOf(line: string, model: string): string {
  const edits: Record<string, string | null> = {};
  for (const k of kfenceTokens(line).keys()) edits[k] = null;
  for (const [k, v] of kfenceTokens(model)) edits[k] = v;
  return editCmdline(line, edits);
}

function toList(m: Map<string, string | null>): string[] {
  return [...m].map(([k, v]) => (v === null ? k : `${k}=${v}`));
}

export function restoreBootArgs(before: HostFacts, now: HostFacts): BootArgsChange[] {
  const was = bootView(before);
  const is = bootView(now);
  if (is.mechanism === 'grub-debian' && is.grub) {
    const dropin = was.grub?.dropin ?? null;
    const prev = new Map(was.entries.map((e) => [e.title ?? e.kernel, e.args]));
    const entries = is.entries.map((e) => {
      const key = e.title ?? e.kernel;
      // An entry that did not exist before (a kernel installed since) gets what the others had.
      const model = prev.get(key) ?? was.entries[0]?.args ?? '';
      return { kernel: e.kernel, title: key, before: e.args, after: withManagedOf(e.args, model) };
    });
    if (sameDropin(dropin, is.grub.dropin) && entries.every((e) => sameManaged(e.before, e.after))) return [];
    return [{ mechanism: 'grub-debian', kernels: [...new Set(is.entries.map((e) => e.kernel))], add: [], remove: [], entries, grub: { dropin_before: is.grub.dropin, dropin_after: dropin, update: is.grub.update } }];
  }
  if (is.mechanism === 'kernel-install') {
    const prev = new Map(was.entries.map((e) => [e.id ?? e.kernel, e.args]));
    const entries = is.entries
      .map((e) => ({ kernel: e.id ?? e.kernel, title: e.title ?? e.kernel, before: e.args, after: withManagedOf(e.args, prev.get(e.id ?? e.kernel) ?? was.kernel_cmdline ?? '') }))
      .filter((e) => !sameManaged(e.before, e.after));
    const fileNow = is.kernel_cmdline ?? '';
    const fileAfter = withManagedOf(fileNow, was.kernel_cmdline ?? '');
    if (entries.length === 0 && sameManaged(fileNow, fileAfter)) return [];
    return [{ mechanism: 'kernel-install', kernels: entries.map((e) => e.kernel), add: [], remove: [], entries, kernel_cmdline: { before: is.kernel_cmdline ?? null, after: fileAfter } }];
  }
  if (is.mechanism !== 'grubby') return [];
  // grubby: one change per entry, as entries may differ.
  const prev = new Map(was.entries.map((e) => [e.kernel, e.args]));
  const out: BootArgsChange[] = [];
  for (const e of is.entries) {
    const old = prev.get(e.kernel);
    if (old === undefined) continue;
    const want = kfenceTokens(old);
    const have = kfenceTokens(e.args);
    const add = new Map([...want].filter(([k, v]) => !have.has(k) || have.get(k) !== v));
    const remove = [...have.keys()].filter((k) => !want.has(k));
    if (add.size === 0 && remove.length === 0) continue;
    out.push({ mechanism: 'grubby', kernels: [e.kernel], add: toList(add), remove, entries: [{ kernel: e.kernel, before: e.args, after: old }] });
  }
  return out;
}
