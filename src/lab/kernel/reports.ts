// KFENCE reports in the layout of mm/kfence/report.c (UREP), as quoted in kfence-interface.md §4.2.

export type BugKind = 'use-after-free' | 'out-of-bounds-read' | 'out-of-bounds-write' | 'invalid-free' | 'memory-corruption' | 'invalid-access';
export const BUG_KINDS: readonly BugKind[] = ['use-after-free', 'out-of-bounds-read', 'out-of-bounds-write', 'invalid-free', 'memory-corruption', 'invalid-access'];

export interface ReportInput {
  kind: BugKind;
  index: number;
  cache: string;
  size: number;
  /** seconds since boot, for the alloc/free stamps */
  uptimeSec: number;
  cpu: number;
  pid: number;
  comm: string;
  tainted: boolean;
  release: string;
  build: string;
  hardware: string;
  rand: () => number;
  /** Anolis prefixes objects with the node. */
  node?: number | undefined;
  /** Kernel-dependent details of the layout (upstream 6.12 as checked on a real kernel). */
  style?: ReportStyle | undefined;
}

export interface ReportStyle {
  /** `%p` pointers are hashed ("0x00000000" + 32 bits, unrelated per pointer) instead of raw. */
  hashedPointers: boolean;
  /** 6.12: "allocated by task N on cpu C at S (A s ago):". */
  agoStamps: boolean;
  /** 6.10+ dump_stack: "CPU: c UID: 0 PID: p Comm: x Tainted: <19 flag columns> release #1  <distro>", then "Tainted: [B]=BAD_PAGE". */
  uidAndTaintNames: boolean;
}

const SEP = '='.repeat(66);

function ptr(rand: () => number): bigint {
  const hi = 0xffff8c0000000000n + (BigInt(Math.floor(rand() * 0x3fffffff)) << 12n);
  return hi;
}

function hashed(rand: () => number): string {
  return '0x00000000' + Math.floor(rand() * 0x100000000).toString(16).padStart(8, '0');
}

function hex(v: bigint): string {
  return '0x' + v.toString(16).padStart(16, '0');
}

function fn(rand: () => number, name: string): string {
  const size = 0x100 + Math.floor(rand() * 0x400);
  const off = 0x10 + Math.floor(rand() * (size - 0x20));
  return `${name}+0x${off.toString(16)}/0x${size.toString(16)}`;
}

function stack(rand: () => number, top: string[]): string[] {
  return [...top, 'process_one_work+0x1d4/0x3c0', 'worker_thread+0x4d/0x3d0', 'kthread+0x118/0x140', 'ret_from_fork+0x1f/0x30'].map((f) =>
    f.includes('+') ? ` ${f}` : ` ${fn(rand, f)}`,
  );
}

function stampSec(s: number): string {
  const us = Math.round(s * 1e6);
  return `${Math.floor(us / 1e6)}.${String(us % 1e6).padStart(6, '0')}s`;
}

/** print_tainted() with only TAINT_BAD_PAGE possibly set, 6.12's 19 flags (P F S R M B U D A W C I O E L K X T N). */
function taintColumns(bad: boolean): string {
  return `G    ${bad ? 'B' : ' '}             `;
}

/**
 * The function that makes each kind of bug: distinct bugs sit in distinct code, so syzkaller's
 * rule (titles or alternative titles such as `bad-access in FUNC` intersect = one bug) keeps the
 * kinds apart, as it would on a real fleet.
 */
const FAULT_SITE: Record<BugKind, string> = {
  'use-after-free': 'lab_faulty_driver_ioctl',
  'out-of-bounds-read': 'lab_faulty_ring_read',
  'out-of-bounds-write': 'lab_faulty_ring_write',
  'invalid-access': 'lab_faulty_probe_regs',
  'invalid-free': 'lab_faulty_driver_ioctl',
  'memory-corruption': 'lab_faulty_driver_ioctl',
};

/** The lines of one report (without timestamps). */
export function buildReport(r: ReportInput): string[] {
  const rand = r.rand;
  const style = r.style;
  const site = fn(rand, FAULT_SITE[r.kind]);
  const start = ptr(rand);
  const end = start + BigInt(r.size - 1);
  // %p: hashed pointers are unrelated to each other, so start, end and the access all differ.
  const p = (v: bigint): string => (style?.hashedPointers ? hashed(rand) : hex(v));
  const objLine = `${r.node !== undefined ? `node ${r.node}: ` : ''}kfence-#${r.index}: ${p(start)}-${p(end)}, size=${r.size}, cache=${r.cache}`;
  const allocAt = Math.max(0.5, r.uptimeSec - 0.5 - rand());
  const freeAt = allocAt + 0.00003;
  const stamp = (at: number): string => (style?.agoStamps ? `${stampSec(at)} (${stampSec(Math.max(0, r.uptimeSec - at))} ago)` : stampSec(at));
  const alloc = [`allocated by task ${r.pid} on cpu ${r.cpu} at ${stamp(allocAt)}:`, ...stack(rand, ['__kmalloc+0x1a0/0x2f0', 'lab_faulty_alloc'])];
  const freed = [`freed by task ${r.pid} on cpu ${r.cpu} at ${stamp(freeAt)}:`, ...stack(rand, ['kfree+0xb8/0x300', 'lab_faulty_release'])];
  const access = stack(rand, [site]);
  const lines: string[] = [SEP];
  let withFree = false;
  let header: string[];
  switch (r.kind) {
    case 'out-of-bounds-read':
    case 'out-of-bounds-write': {
      const rw = r.kind === 'out-of-bounds-read' ? 'read' : 'write';
      // report.c: the distance is address - meta->addr on the right (the byte after a 32-byte object is "32B right").
      header = [`BUG: KFENCE: out-of-bounds ${rw} in ${site}`, '', `Out-of-bounds ${rw} at ${p(end + 1n)} (${r.size}B right of kfence-#${r.index}):`];
      break;
    }
    case 'use-after-free':
      header = [`BUG: KFENCE: use-after-free read in ${site}`, '', `Use-after-free read at ${p(start)} (in kfence-#${r.index}):`];
      withFree = true;
      break;
    case 'invalid-free':
      header = [`BUG: KFENCE: invalid free in ${site}`, '', `Invalid free of ${p(start)} (in kfence-#${r.index}):`];
      withFree = true;
      break;
    case 'memory-corruption':
      header = [`BUG: KFENCE: memory corruption in ${site}`, '', `Corrupted memory at ${p(end + 1n)} [ ! . . . . . . ] (in kfence-#${r.index}):`];
      withFree = true;
      break;
    case 'invalid-access':
      header = [`BUG: KFENCE: invalid read in ${site}`, '', `Invalid read at ${p(0xffffffffb6000000n + BigInt(Math.floor(rand() * 0xfffff)))}:`];
      break;
  }
  lines.push(...header, ...access, '');
  if (r.kind !== 'invalid-access') {
    lines.push(objLine, '', ...alloc);
    if (withFree) lines.push('', ...freed);
    lines.push('');
  }
  if (style?.uidAndTaintNames) {
    // 6.12 dump_stack_print_info: release, the version's first word, the (empty) build id, then
    // Debian's version string; a second line names the taint flags.
    const distro = /\b(Debian \S+)/.exec(r.build)?.[1];
    const taint = r.tainted ? `Tainted: ${taintColumns(true)}` : 'Not tainted';
    lines.push(`CPU: ${r.cpu} UID: 0 PID: ${r.pid} Comm: ${r.comm} ${taint} ${r.release} ${r.build.split(' ')[0]} ${distro ? ` ${distro}` : ''}`.trimEnd());
    if (r.tainted) lines.push('Tainted: [B]=BAD_PAGE');
  } else {
    const taint = r.tainted ? 'Tainted: G    B            ' : 'Not tainted';
    lines.push(`CPU: ${r.cpu} PID: ${r.pid} Comm: ${r.comm} ${taint} ${r.release} ${r.build.split(' ')[0]}`);
  }
  lines.push(`Hardware name: ${r.hardware}`);
  lines.push(SEP);
  return lines;
}
