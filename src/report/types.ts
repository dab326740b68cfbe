// Data shapes of the findings side: one KFENCE report as parsed from a kernel log, the kfence:
// status lines around it, the per-host read cursor, and the fleet-wide findings built from them.
// All plain JSON data (no classes, no Dates) so they can be journaled, diffed and rendered.

export type ReportKind =
  | 'out-of-bounds'
  | 'use-after-free'
  | 'memory-corruption'
  | 'invalid-access'
  | 'invalid-free'
  /** A report whose header was lost (ring buffer wrap) and whose kind cannot be recovered. */
  | 'unknown';

export type AccessType = 'read' | 'write';

/** One ` %pS` line of a stack: `func+0xa6/0x234 [module]`. */
export interface StackFrame {
  /** Symbol name, or the raw address when the kernel could not symbolize it. */
  fn: string;
  /** `0xa6/0x234` (offset/size), null when absent. */
  offset: string | null;
  /** Module name from a `[mod]` or `[mod buildid]` suffix; null for built-in code. */
  module: string | null;
  /** The module's build id from a `[mod buildid]` suffix (CONFIG_STACKTRACE_BUILD_ID). */
  build_id?: string;
  /** Set by `--symbolize`: where the frame is in the source, innermost (inlined) first. */
  source?: SourceLocation[];
  /** Set by `--symbolize` when the frame stays as printed: why. */
  unresolved?: string;
}

export interface SourceLocation {
  fn: string;
  file: string;
  line: number;
}

/** `allocated by task 484 on cpu 0 at 32.919330s:` and its stack (or `freed by`, `rcu freed by`). */
export interface TrackInfo {
  task: number;
  /** null in the first KFENCE format (5.11), which printed only the task. */
  cpu: number | null;
  /** Boot-relative seconds, as printed (the printk clock); null in the first KFENCE format. */
  at_s: number | null;
  /** The ` (1.234567s ago)` suffix of newer kernels, null when absent. */
  ago_s: number | null;
  /** `rcu freed by` (object freed through RCU, newer kernels). */
  rcu?: boolean;
  stack: StackFrame[];
}

/** `kfence-#72: 0xffff8c3f2e292000-0xffff8c3f2e29201f, size=32, cache=kmalloc-32` */
export interface KfenceObjectInfo {
  index: number;
  start: string;
  end: string;
  size: number;
  /** Slab cache name; `PAGE` for Alinux order-0 page objects, `<destroyed>` after cache removal. */
  cache: string;
}

/** `CPU: 2 PID: 488 Comm: kunit_try_catch Tainted: G    B             5.13.0-rc3+ #7` */
export interface CpuLine {
  cpu: number;
  pid: number;
  uid: number | null;
  comm: string;
  /** Taint flags exactly as printed (e.g. `G    B`), null for `Not tainted`. */
  tainted: string | null;
  release: string;
  /** `#7`, plus any trailing text (distribution version). */
  build: string;
}

export interface KfenceReport {
  kind: ReportKind;
  /** read/write for out-of-bounds, use-after-free and invalid access; null otherwise. */
  access: AccessType | null;
  /** Faulting function from the BUG line (or the first access frame when the header was lost). */
  function: string | null;
  offset: string | null;
  module: string | null;
  /** Faulting address as printed, e.g. `0xffff8c3f2e291fff` or a hashed `0x000000008f3a2b1c`. */
  address: string | null;
  /** True when the address is a %p hash (upper 32 bits zero or `(____ptrval____)`). */
  address_hashed: boolean | null;
  /** Out-of-bounds only: distance and side from the object. */
  oob: { distance: number; side: 'left' | 'right' } | null;
  /** Memory corruption only: the byte tokens between `[ ]`, e.g. ["0xac", ".", "!"]. */
  corruption: string[] | null;
  /** `kfence-#N` of the access line (per-area index on Alinux). */
  object_index: number | null;
  object: KfenceObjectInfo | null;
  access_stack: StackFrame[];
  allocated: TrackInfo | null;
  freed: TrackInfo | null;
  cpu: CpuLine | null;
  hardware: string | null;
  /** dmesg timestamp (boot-relative seconds) of the first line of the report, null without timestamps. */
  timestamp_s: number | null;
  /** The report was cut (start lost to a ring buffer wrap, or it ends before the closing rule). */
  truncated: boolean;
  /** The report's lines with log prefixes removed, joined by `\n` (attacker-influenced text). */
  text: string;
  /** syzkaller's title, e.g. `KFENCE: use-after-free read in tcp_retransmit_timer` (syz-title.ts). */
  title: string;
  /** syzkaller's alternative titles (sorted), e.g. `bad-access in tcp_retransmit_timer`. */
  alt_titles: string[];
  /** syzkaller would not trust this report (no stack, lost frames, lost start); why, else null. */
  corrupted_reason: string | null;
}

export type StatusKind =
  | 'initialized'
  | 'disabled'
  | 're-enabled'
  | 'freed'
  | 'failure'
  | 'panic'
  | 'other';

/** A `kfence: ...` status line, or the `kfence.fault=panic` panic. */
export interface KfenceStatusLine {
  kind: StatusKind;
  /** Message after `kfence: `. */
  message: string;
  timestamp_s: number | null;
  /** Parsed numbers where the line has them (`initialized`, `freed`). */
  bytes?: number;
  objects?: number;
  node?: number;
}

/**
 * Where reading a host's kernel log stopped. Valid only for the boot it names: after a reboot the
 * ring buffer starts over, so a cursor whose boot_id differs from the host's is discarded.
 * Lines are ordered by their printk timestamp; many lines share one timestamp, so the cursor
 * also counts how many lines carrying exactly `ts` were already consumed.
 */
export interface DmesgCursor {
  /** /proc/sys/kernel/random/boot_id of the boot that was read. */
  boot_id: string;
  /** Timestamp (boot-relative seconds) of the last consumed line; -1 before any line. */
  ts: number;
  /** How many consumed lines carry exactly `ts`. */
  n_at_ts: number;
}

/** What one host contributed: its parsed reports and the context needed to place them in time. */
export interface HostReports {
  host: string;
  /** Kernel release (`uname -r`); reports' CPU lines are used when this is absent. */
  release?: string;
  /** Wall-clock boot time (ISO), e.g. facts.collected_at minus uptime; lets boot-relative
   *  timestamps become comparable across hosts. */
  boot_time?: string;
  reports: KfenceReport[];
}

export interface FindingHost {
  host: string;
  count: number;
  /** ISO wall-clock time when the host's boot time is known, else null. */
  first_seen: string | null;
  last_seen: string | null;
  release: string | null;
}

export interface Finding {
  /** 16 hex digits of the title (findings.ts titleSignature); stable across hosts, boots, addresses and offsets. */
  signature: string;
  kind: ReportKind;
  access: AccessType | null;
  /** syzkaller's title, e.g. `KFENCE: use-after-free read in test_use_after_free_read`. */
  title: string;
  /** Every report title merged into this finding (syzkaller's rule: titles or alternative titles intersect). */
  titles: string[];
  /** The alternative titles of its reports. */
  alt_titles: string[];
  function: string | null;
  module: string | null;
  /** The top access frames (offsets stripped), for display. */
  frames: string[];
  hosts: FindingHost[];
  count: number;
  /** How many of its reports syzkaller would mark corrupted. */
  corrupted: number;
  releases: string[];
  first_seen: string | null;
  last_seen: string | null;
  /** One full report text (the earliest complete one). */
  example: string;
  /** Parsed example, for renderers that show the stacks. */
  example_report: KfenceReport;
}
