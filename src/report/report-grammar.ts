// The line grammar of a KFENCE report (mm/kfence/report.c, upstream and Anolis), one classifier
// per printk format. Every regex is anchored and linear (no nested quantifiers over the same
// characters), because the input is attacker-influenced and arbitrarily long.

import type { AccessType, CpuLine, KfenceObjectInfo, StackFrame, StatusKind } from './types.js';

const ADDR = '0x(?:[0-9a-fA-F]{1,16}|\\(____ptrval____\\))';

export const RULE = /^={20,80}\s*$/;

const BUG_RW = /^BUG: KFENCE: (out-of-bounds|use-after-free|invalid) (read|write) in (.{1,512})$/;
const BUG_FREE = /^BUG: KFENCE: invalid free in (.{1,512})$/;
const BUG_CORRUPT = /^BUG: KFENCE: memory corruption in (.{1,512})$/;
export const BUG_ANY = /^BUG: KFENCE: /;
/** THE recogniser of a KFENCE report's first line (a log line with its prefixes removed). */
export const isReportLine = (msg: string): boolean => BUG_ANY.test(msg);

const OOB = new RegExp(`^Out-of-bounds (read|write) at (${ADDR}) \\((\\d{1,20})B (left|right) of kfence-#(\\d{1,12})\\):$`);
const UAF = new RegExp(`^Use-after-free (read|write) at (${ADDR}) \\(in kfence-#(\\d{1,12})\\):$`);
const CORRUPT = new RegExp(`^Corrupted memory at (${ADDR}) \\[ ?([^\\]]{0,200}?) ?\\] \\(in kfence-#(\\d{1,12})\\):$`);
const INVALID = new RegExp(`^Invalid (read|write) at (${ADDR}):$`);
const INVALID_FREE = new RegExp(`^Invalid free of (${ADDR}) \\(in kfence-#(\\d{1,12})\\):$`);

const OBJECT = new RegExp(`^(?:node \\d{1,5}: )?kfence-#(\\d{1,12}): (${ADDR})-(${ADDR}), size=(\\d{1,12}), cache=(.{0,256})$`);
const TRACK =
  /^(allocated|freed|rcu freed) by task (-?\d{1,10}) on cpu (-?\d{1,6}) at (\d{1,12}\.\d{1,9})s(?: \((\d{1,12}\.\d{1,9})s ago\))?:$/;
// The first upstream format (5.11): `kfence-#24 [0x..-0x.., size=32, cache=kmalloc-32] allocated by task 110:`
// and a bare `freed by task 110:`.
const OBJECT_TRACK_OLD = new RegExp(`^kfence-#(\\d{1,12}) \\[(${ADDR})-(${ADDR}), size=(\\d{1,12}), cache=([^\\]]{0,256})\\] (allocated|freed) by task (-?\\d{1,10}):$`);
const TRACK_OLD = /^(allocated|freed) by task (-?\d{1,10}):$/;
const NO_STACK = /^ ?no (?:allocation|deallocation) stack$/;
const FRAME_SPACED = /^ {1,8}(?:\? )?([^\s+]{1,512}?)(?:\+(0x[0-9a-fA-F]{1,16}\/0x[0-9a-fA-F]{1,16}))?(?: \[([^\]\s]{1,256})(?: ([0-9a-fA-F]{1,128}))?\])?$/;
const FRAME_BARE = /^([^\s+]{1,512}?)\+(0x[0-9a-fA-F]{1,16}\/0x[0-9a-fA-F]{1,16})(?: \[([^\]\s]{1,256})(?: ([0-9a-fA-F]{1,128}))?\])?$/;
const CPU =
  /^CPU: (\d{1,6}) (?:UID: (\d{1,10}) )?PID: (\d{1,10}) Comm: (.{0,64}?) (?:Kdump: loaded )?(?:Not tainted|Tainted: ([A-Z][A-Z ]{0,64}?))\s{1,64}(\S{1,128}) (#.{0,256})$/;
const HARDWARE = /^Hardware name: (.{0,512})$/;
const FOOTER_EXTRA =
  /^(?:Tainted: \[|Workqueue: |RIP: |RSP: |R[A-Z0-9]{1,3}: |FS: |CS: |CR2: |DR\d: |PKRU: |Code: |pc : |lr : |sp : |x\d{1,2} ?: |pstate: |Call Trace:|\s*<\/?(?:TASK|IRQ)>)/;

const STATUS = /^kfence: (.{0,1024})$/;
const PANIC = /^Kernel panic - not syncing: (.{0,512}kfence.{0,512})$/i;

export function isHashedAddress(addr: string): boolean {
  return /^0x00000000[0-9a-fA-F]{8}$/.test(addr) || addr.includes('ptrval');
}

/**
 * Parse a `%pS` symbol. `indented`: a stack line (leading space); `relaxed`: also an unindented
 * `fn+0x1/0x2` (logs whose lines were trimmed); `symbol`: any bare symbol (the BUG line's "in X").
 */
export function parseFrame(text: string, mode: 'indented' | 'relaxed' | 'symbol' = 'indented'): StackFrame | null {
  let m = FRAME_SPACED.exec(text);
  if (!m && mode !== 'indented') m = FRAME_BARE.exec(text);
  if (!m && mode === 'symbol') m = FRAME_SPACED.exec(` ${text}`);
  if (!m) return null;
  const f: StackFrame = { fn: m[1] ?? '', offset: m[2] ?? null, module: m[3] ?? null };
  if (m[4]) f.build_id = m[4].toLowerCase();
  return f;
}

export type Header =
  | { kind: 'out-of-bounds' | 'use-after-free' | 'invalid-access'; access: AccessType; where: string }
  | { kind: 'invalid-free' | 'memory-corruption'; access: null; where: string };

export function parseBug(msg: string): Header | null {
  let m = BUG_RW.exec(msg);
  if (m) {
    const k = m[1] === 'invalid' ? 'invalid-access' : (m[1] as 'out-of-bounds' | 'use-after-free');
    return { kind: k, access: m[2] as AccessType, where: m[3] ?? '' };
  }
  m = BUG_FREE.exec(msg);
  if (m) return { kind: 'invalid-free', access: null, where: m[1] ?? '' };
  m = BUG_CORRUPT.exec(msg);
  if (m) return { kind: 'memory-corruption', access: null, where: m[1] ?? '' };
  return null;
}

export interface Detail {
  kind: Header['kind'];
  access: AccessType | null;
  address: string;
  index: number | null;
  oob?: { distance: number; side: 'left' | 'right' };
  corruption?: string[];
}

export function parseDetail(msg: string): Detail | null {
  let m = OOB.exec(msg);
  if (m)
    return {
      kind: 'out-of-bounds',
      access: m[1] as AccessType,
      address: m[2] ?? '',
      index: Number(m[5]),
      oob: { distance: Number(m[3]), side: m[4] as 'left' | 'right' },
    };
  m = UAF.exec(msg);
  if (m) return { kind: 'use-after-free', access: m[1] as AccessType, address: m[2] ?? '', index: Number(m[3]) };
  m = CORRUPT.exec(msg);
  if (m) {
    const bytes = (m[2] ?? '').trim();
    return {
      kind: 'memory-corruption',
      access: null,
      address: m[1] ?? '',
      index: Number(m[3]),
      corruption: bytes === '' ? [] : bytes.split(/ +/),
    };
  }
  m = INVALID.exec(msg);
  if (m) return { kind: 'invalid-access', access: m[1] as AccessType, address: m[2] ?? '', index: null };
  m = INVALID_FREE.exec(msg);
  if (m) return { kind: 'invalid-free', access: null, address: m[1] ?? '', index: Number(m[2]) };
  return null;
}

export function parseObject(msg: string): KfenceObjectInfo | null {
  const m = OBJECT.exec(msg);
  if (!m) return null;
  return { index: Number(m[1]), start: m[2] ?? '', end: m[3] ?? '', size: Number(m[4]), cache: m[5] ?? '' };
}

export interface TrackHead {
  which: 'allocated' | 'freed';
  rcu: boolean;
  task: number;
  cpu: number | null;
  at_s: number | null;
  ago_s: number | null;
  /** The first format's object, printed on the allocation line. */
  object?: KfenceObjectInfo;
}

export function parseTrack(msg: string): TrackHead | null {
  const o = OBJECT_TRACK_OLD.exec(msg);
  if (o) {
    const object = { index: Number(o[1]), start: o[2] ?? '', end: o[3] ?? '', size: Number(o[4]), cache: o[5] ?? '' };
    return { which: o[6] === 'freed' ? 'freed' : 'allocated', rcu: false, task: Number(o[7]), cpu: null, at_s: null, ago_s: null, object };
  }
  const old = TRACK_OLD.exec(msg);
  if (old) return { which: old[1] === 'freed' ? 'freed' : 'allocated', rcu: false, task: Number(old[2]), cpu: null, at_s: null, ago_s: null };
  const m = TRACK.exec(msg);
  if (!m) return null;
  return {
    which: m[1] === 'allocated' ? 'allocated' : 'freed',
    rcu: m[1] === 'rcu freed',
    task: Number(m[2]),
    cpu: Number(m[3]),
    at_s: Number(m[4]),
    ago_s: m[5] === undefined ? null : Number(m[5]),
  };
}

export const isNoStack = (msg: string): boolean => NO_STACK.test(msg);

export function parseCpu(msg: string): CpuLine | null {
  const m = CPU.exec(msg);
  if (!m) return null;
  return {
    cpu: Number(m[1]),
    uid: m[2] === undefined ? null : Number(m[2]),
    pid: Number(m[3]),
    comm: m[4] ?? '',
    tainted: m[5] === undefined ? null : m[5].trim(),
    release: m[6] ?? '',
    build: (m[7] ?? '').trim(),
  };
}

export function parseHardware(msg: string): string | null {
  const m = HARDWARE.exec(msg);
  return m ? (m[1] ?? '').trim() : null;
}

export const isFooterExtra = (msg: string): boolean => FOOTER_EXTRA.test(msg);

export interface StatusHead {
  kind: StatusKind;
  message: string;
  bytes?: number;
  objects?: number;
  node?: number;
}

const FAILURE = /fail|unable|cannot|can't|error/i;

export function parseStatus(msg: string): StatusHead | null {
  const p = PANIC.exec(msg);
  if (p) return { kind: 'panic', message: msg };
  const m = STATUS.exec(msg);
  if (!m) return null;
  const message = (m[1] ?? '').trim();
  const init = /^initialized - using (\d{1,20}) bytes for (\d{1,20}) objects(?: on node (\d{1,5}))?/.exec(message);
  if (init) {
    const out: StatusHead = { kind: 'initialized', message, bytes: Number(init[1]), objects: Number(init[2]) };
    if (init[3] !== undefined) out.node = Number(init[3]);
    return out;
  }
  const freed = /^freed (\d{1,20}) bytes for (\d{1,20}) objects on node (\d{1,5})/.exec(message);
  if (freed) return { kind: 'freed', message, bytes: Number(freed[1]), objects: Number(freed[2]), node: Number(freed[3]) };
  if (message === 'disabled') return { kind: 'disabled', message };
  if (message === 're-enabled') return { kind: 're-enabled', message };
  if (FAILURE.test(message)) {
    const node = /on node (\d{1,5})/.exec(message);
    return node ? { kind: 'failure', message, node: Number(node[1]) } : { kind: 'failure', message };
  }
  return { kind: 'other', message };
}
