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
}

const SEP = '='.repeat(66);

function ptr(rand: () => number): bigint {
  const hi = 0xffff8c0000000000n + (BigInt(Math.floor(rand() * 0x3fffffff)) << 12n);
  return hi;
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

/** The lines of one report (without timestamps). */
export function buildReport(r: ReportInput): string[] {
  const rand = r.rand;
  const site = fn(rand, 'lab_faulty_driver_ioctl');
  const start = ptr(rand);
  const end = start + BigInt(r.size - 1);
  const objLine = `${r.node !== undefined ? `node ${r.node}: ` : ''}kfence-#${r.index}: ${hex(start)}-${hex(end)}, size=${r.size}, cache=${r.cache}`;
  const allocAt = Math.max(0.5, r.uptimeSec - 0.5 - rand());
  const alloc = [`allocated by task ${r.pid} on cpu ${r.cpu} at ${stampSec(allocAt)}:`, ...stack(rand, ['__kmalloc+0x1a0/0x2f0', 'lab_faulty_alloc'])];
  const freed = [`freed by task ${r.pid} on cpu ${r.cpu} at ${stampSec(allocAt + 0.00003)}:`, ...stack(rand, ['kfree+0xb8/0x300', 'lab_faulty_release'])];
  const access = stack(rand, [site]);
  const lines: string[] = [SEP];
  let withFree = false;
  let header: string[];
  switch (r.kind) {
    case 'out-of-bounds-read':
    case 'out-of-bounds-write': {
      const rw = r.kind === 'out-of-bounds-read' ? 'read' : 'write';
      header = [`BUG: KFENCE: out-of-bounds ${rw} in ${site}`, '', `Out-of-bounds ${rw} at ${hex(end + 1n)} (1B right of kfence-#${r.index}):`];
      break;
    }
    case 'use-after-free':
      header = [`BUG: KFENCE: use-after-free read in ${site}`, '', `Use-after-free read at ${hex(start)} (in kfence-#${r.index}):`];
      withFree = true;
      break;
    case 'invalid-free':
      header = [`BUG: KFENCE: invalid free in ${site}`, '', `Invalid free of ${hex(start)} (in kfence-#${r.index}):`];
      withFree = true;
      break;
    case 'memory-corruption':
      header = [`BUG: KFENCE: memory corruption in ${site}`, '', `Corrupted memory at ${hex(end + 1n)} [ ! . . . . . . ] (in kfence-#${r.index}):`];
      withFree = true;
      break;
    case 'invalid-access':
      header = [`BUG: KFENCE: invalid read in ${site}`, '', `Invalid read at ${hex(0xffffffffb6000000n + BigInt(Math.floor(rand() * 0xfffff)))}:`];
      break;
  }
  lines.push(...header, ...access, '');
  if (r.kind !== 'invalid-access') {
    lines.push(objLine, '', ...alloc);
    if (withFree) lines.push('', ...freed);
    lines.push('');
  }
  const taint = r.tainted ? 'Tainted: G    B            ' : 'Not tainted';
  lines.push(`CPU: ${r.cpu} PID: ${r.pid} Comm: ${r.comm} ${taint} ${r.release} ${r.build.split(' ')[0]}`);
  lines.push(`Hardware name: ${r.hardware}`);
  lines.push(SEP);
  return lines;
}
