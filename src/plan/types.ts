// HostPlan: the pure planner's answer for one host (src/plan/plan-host.ts), executed by
// src/converge. A plan is data: it is printed (--diff), saved (--out, versioned JSON) and applied
// exactly. Nothing in here is a secret.
import type { TrialDecision } from './trial.js';
import type { ErrorInfo, PlanCode } from '../error-codes.js';
import type { BootMechanism } from '../bootloader/types.js';

/** What a read-back must show after a write (or what a verify step must find). */
export type Expectation =
  | { equals: string }
  | { one_of: string[] }
  /** Integer >= n (num_objects is rounded up by the Alinux kernel on enable). */
  | { int_at_least: number };

export type RuntimeStep =
  | {
      op: 'write';
      /** Absolute sysfs path, e.g. /sys/module/kfence/parameters/sample_interval */
      path: string;
      /** Exactly what is written (no trailing newline; converge adds one like `echo`). */
      value: string;
      /** Read back `path` after the write and compare. Every write is read back. */
      expect: Expectation;
      /** The knob this step serves (sample_interval, num_objects, pool_mode, order0_page, fault, slabs, ...). */
      knob: string;
      /** Why this step exists, in a sentence (shown by --diff). */
      why: string;
    }
  | {
      op: 'verify_enabled';
      /** /sys/kernel/debug/kfence/stats must say `enabled: <1|0>` (skipped when stats is absent and `optional`). */
      enabled: boolean;
      optional: boolean;
      knob: string;
      why: string;
    };

/** A knob's before -> after, for --diff and the JSON plan. */
export interface KnobChange {
  knob: string;
  before: string | null;
  after: string | null;
  /** Where the change is made: live now, on the kernel command line, or both. */
  where: 'runtime' | 'boot' | 'both';
}

/** Kernel command line changes through the host's bootloader (src/bootloader). */
export interface BootArgsChange {
  /** How the args are written; absent in plans saved before the bootloader port (grubby). */
  mechanism?: BootMechanism;
  /** grubby --update-kernel targets (kernel image paths; ["ALL"] when every entry changes);
   *  kernel-install: the entry files whose `options` line is rewritten. */
  kernels: string[];
  /** Tokens to add or replace, e.g. "kfence.sample_interval=100". */
  add: string[];
  /** Keys to remove, e.g. "kfence.booting_max". */
  remove: string[];
  /** Per target entry: the args before and after, for --diff and rollback (`title` tells GRUB's
   *  normal and recovery entries of one kernel apart). */
  entries: Array<{ kernel: string; before: string; after: string; title?: string }>;
  /** grub-debian: kfleet's drop-in before and after (null = no file) and the config generator. */
  grub?: { dropin_before: string | null; dropin_after: string | null; update: 'update-grub' | 'grub-mkconfig' };
  /** kernel-install: /etc/kernel/cmdline before (null = absent) and after. */
  kernel_cmdline?: { before: string | null; after: string };
}

/** kfleet's boot-time unit: re-applies at boot what the command line cannot carry. */
export interface BootUnitChange {
  action: 'install' | 'remove';
  /** POSIX sh script the unit runs at boot (only for install). */
  script: string;
  /** sha256 (hex) of script; matches HostFacts.boot_unit.hash when installed and current. */
  hash: string;
}

/** A plan-time refusal: a code from PLAN_CODES (src/error-codes.ts), the reason, and what to do. */
export interface Refusal extends ErrorInfo<PlanCode> {
  hint: string;
}

export interface HostPlan {
  host: string;
  /** Fingerprint of the facts the plan was made from (src/facts/fingerprint.ts). */
  fingerprint: string;
  /** Kernel release the plan was made for (for reports). */
  release: string;
  changes: KnobChange[];
  /** Ordered runtime steps (empty when nothing changes live or the host is refused). */
  runtime: RuntimeStep[];
  boot: BootArgsChange | null;
  /** How this host sets kernel args (src/bootloader), null when it has no supported mechanism;
   *  absent in plans saved before the bootloader port. */
  bootloader?: BootMechanism | null;
  unit: BootUnitChange | null;
  /** State-derived: desired vs configured (grubby) vs booted (/proc/cmdline) args, and live values. */
  reboot: { required: boolean; reasons: string[] };
  /** The kfence.* tokens the command line should carry after convergence (key -> value, null = absent). */
  desired_args: Record<string, string | null>;
  /** Estimated KFENCE pool memory after convergence, bytes (pool + metadata estimate). */
  memory_bytes: number | null;
  warnings: string[];
  /** Non-empty = the host is refused: nothing is written. */
  refused: Refusal[];
  /** How a reboot into new args is tried first (src/plan/trial.ts); absent in older plans. */
  trial?: TrialDecision;
}

export function planIsEmpty(p: HostPlan): boolean {
  return p.refused.length === 0 && p.runtime.length === 0 && p.boot === null && p.unit === null && !p.reboot.required;
}

export const PLAN_FORMAT = 'kfleet-plan' as const;
export const PLAN_VERSION = 1 as const;

/** The saved plan file (`kfleet plan --out plan.json`, `kfleet apply plan.json`). */
export interface SavedPlan {
  format: typeof PLAN_FORMAT;
  version: typeof PLAN_VERSION;
  created_at: string;
  playbook: { file: string; sha256: string };
  inventory: string | null;
  plays: Array<{ name: string; hosts: HostPlan[] }>;
}
