// HostFacts: everything the planner needs to know about one host, collected in one round trip
// by the probe script (src/facts/probe.ts) and parsed by src/facts/parse.ts. Also the JSON form
// of the example fact files in test/fixtures/facts/*.json (the `--facts DIR` input of `kfleet plan`).
//
// Raw kernel strings are kept raw (the planner interprets them); absent files are absent keys,
// unreadable files have `value: null`.

import type { TrialFacts } from './reads/trial-facts.js';
import type { BootFacts } from '../bootloader/types.js';

export const FACTS_SCHEMA = 1 as const;

/** One file under /sys/module/kfence/parameters/. */
export interface ParamFact {
  /** Contents with the trailing newline stripped; null when the file exists but could not be read. */
  value: string | null;
  /** Permission bits as a 4-digit octal string, e.g. "0600", "0444". */
  mode: string;
}

/** One directory under /sys/kernel/slab/. */
export interface SlabFact {
  /** Which per-slab KFENCE control file exists: Alinux 5.10 `kfence_enable` (1 = monitored),
   *  upstream >= 6.1 and Anolis 6.x `skip_kfence` (1 = skipped), or none. */
  control: 'kfence_enable' | 'skip_kfence' | null;
  /** Value of the control file ("0"/"1"), null if unreadable or absent. */
  value: string | null;
  /** Raw first line of the slab's `objects` file, e.g. "1536 N0=768 N1=768"; null if absent. */
  objects: string | null;
  /** Set when /sys/kernel/slab/<name> is a symlink (a merged cache): the name it points to. */
  alias_of?: string;
  /** The cache's `object_size` in bytes, when readable (KFENCE never samples objects above a page). */
  object_size?: number;
}

/** Where the probe ran: what makes KFENCE settings or reboots meaningless or restricted. */
export interface HostEnvFact {
  /** Container type (systemd's /run/systemd/container, /.dockerenv, /run/.containerenv), or null on a machine. */
  container: string | null;
  /** /sys is mounted read-only (nothing under /sys/module or /sys/kernel/slab can be written). */
  sys_read_only: boolean;
  /** Kernel lockdown mode from /sys/kernel/security/lockdown ("none", "integrity", "confidentiality"), null when unknown. */
  lockdown: string | null;
}

export interface GrubbyEntry {
  index: number;
  /** Kernel image path, e.g. /boot/vmlinuz-5.10.134-17.al8.x86_64 */
  kernel: string;
  /** The entry's args string exactly as grubby --info prints it (without quotes). */
  args: string;
  title?: string;
}

export interface StatsFact {
  /** `enabled:` line, null if the line is missing. */
  enabled: boolean | null;
  /** Every "name: number" counter, name trimmed (e.g. "total bugs", "currently allocated"). */
  counters: Record<string, number>;
  /** Which layout the file had: upstream ("name: N") or Anolis (padded, with a node table). */
  format: 'upstream' | 'anolis' | 'empty';
}

export interface HostFacts {
  schema: typeof FACTS_SCHEMA;
  /** Inventory name of the host. */
  host: string;
  /** When the facts were collected (ISO); omitted in example files. */
  collected_at?: string;
  kernel: {
    /** `uname -r`, e.g. "5.10.134-17.al8.x86_64", "6.12.117+deb12-amd64". */
    release: string;
    /** `uname -m`, e.g. "x86_64", "aarch64". */
    arch: string;
    /** `getconf PAGESIZE` (bytes). */
    page_size: number;
  };
  os: { id: string; version_id: string; pretty_name: string };
  memory: { total_kb: number; available_kb: number };
  numa: { online: number[]; possible: number[] };
  /** /proc/sys/kernel/random/boot_id */
  boot_id: string;
  uptime_s: number;
  /** /proc/cmdline, trimmed. */
  cmdline: string;
  grubby: {
    available: boolean;
    default_kernel: string | null;
    entries: GrubbyEntry[];
  };
  /** How this host sets kernel arguments (src/bootloader); absent in fact files that predate it. */
  boot?: BootFacts;
  /** What trial boots and fault: panic depend on (src/facts/reads/trial-facts.ts); absent in older fact files. */
  trial?: TrialFacts;
  kfence: {
    /** /sys/module/kfence exists (CONFIG_KFENCE=y). */
    present: boolean;
    /** Every file under /sys/module/kfence/parameters/, by name. */
    params: Record<string, ParamFact>;
    debugfs_mounted: boolean;
    /** /sys/kernel/debug/kfence/stats parsed; null when the file is absent (never enabled on newer upstream, or debugfs not mounted). */
    stats: StatsFact | null;
    /** CONFIG_KFENCE*, CONFIG_KASAN* and CONFIG_PGTABLE_LEVELS lines of /boot/config-$(uname -r) if readable, e.g. { CONFIG_KFENCE_NUM_OBJECTS: "255" }. */
    config: Record<string, string>;
  };
  slabs: Record<string, SlabFact>;
  /** kfleet's boot-time unit (re-applies what the command line cannot carry). */
  boot_unit: { installed: boolean; hash: string | null };
  /** Container, read-only /sys, lockdown; absent in fact files written before the probe read them. */
  env?: HostEnvFact;
  /** Whether the connection had root (directly or through become). */
  privileged: boolean;
}
