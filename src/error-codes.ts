// The closed list of error codes, one table per area (as transport's TransportCode is): each code
// with the exit code it ends a command with. A code whose exit code says the user must act (bad
// input, a refusal, a held lock) cannot be thrown without a hint (KfleetError's constructor
// requires one for them). A new code is one line here; test/errors/codes.test.ts checks that every
// code thrown in src/ is listed, and that the README's exit-code table matches EXIT.
import type { TransportCode } from './transport/types.js';

export const EXIT = {
  OK: 0,
  FAILED: 1, // some host failed, or the run was halted by a budget or a gate
  INPUT: 2, // the playbook, inventory, plan file or command line is wrong; nothing was written
  PENDING_REBOOT: 3, // converged, but some hosts still need a reboot kfleet was not allowed to do
  REFUSED: 4, // some hosts were refused at plan time (unsupported kernel, over budget, ...)
  LOCKED: 5, // another run holds the fleet lock
  ABORTED: 6, // the user aborted (declined the prompt, `kfleet abort`)
  INTERNAL: 70, // a bug in kfleet
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

const { FAILED, INPUT, REFUSED, LOCKED } = EXIT;

/** The user's input: playbook, inventory, patterns, plan files, command line, lab options. */
export const INPUT_CODES = {
  INPUT_INVALID: INPUT, USAGE: INPUT, INVENTORY_VAR_INVALID: INPUT,
  PATTERN_INVALID: INPUT, PATTERN_NO_MATCH: INPUT, PATTERN_FILE: INPUT,
  PLAN_UNREADABLE: INPUT, PLAN_PLAYBOOK_MISSING: INPUT, PLAYBOOK_CHANGED: INPUT, PLAY_GONE: INPUT,
  RUN_UNKNOWN: INPUT, NOT_QUARANTINED: INPUT, ROLLBACK_HOSTS_MISSING: INPUT,
  LAB_MIX: INPUT, LAB_PROFILE: INPUT, LAB_BECOME: INPUT,
  FOCUS_TARGET: INPUT, FOCUS_UNKNOWN: INPUT,
  NOTIFY_ENV_UNSET: INPUT, NOTIFY_URL: INPUT,
} as const;

/** Reading a host's facts. */
export const FACTS_CODES = { FACTS_MALFORMED: FAILED, FACTS_FAILED: FAILED, TOOL_MISSING: FAILED, NO_FACTS: FAILED } as const;

/** Plan-time refusals of a host (HostPlan.refused), and saved plans that no longer fit. */
export const PLAN_CODES = {
  KFENCE_ABSENT: REFUSED, KERNEL_TOO_OLD: REFUSED, KNOB_UNSUPPORTED: REFUSED, RUNTIME_IMPOSSIBLE: REFUSED,
  BOOT_IMPOSSIBLE: REFUSED, OVER_MEMORY_BUDGET: REFUSED, NOT_PRIVILEGED: REFUSED, NO_GRUBBY: REFUSED,
  SLAB_UNKNOWN: REFUSED, BOOTING_MAX_INVALID: REFUSED, IN_CONTAINER: REFUSED, SYS_READ_ONLY: REFUSED,
  SLABS_TOO_LARGE: REFUSED, NOT_IN_PLAN: REFUSED, PLAN_MISMATCH: REFUSED,
  ROLLBACK_UNIT_UNKNOWN: REFUSED, ROLLBACK_IMPOSSIBLE: REFUSED, NO_BOOTLOADER: REFUSED, BOOT_ARGS_ELSEWHERE: REFUSED,
  TRIAL_UNAVAILABLE: REFUSED,
  PLAN_STALE: INPUT,
  /** A plan step kfleet would never generate (a tampered plan file): refused before any write. */
  PLAN_UNSAFE: FAILED,
} as const;

/** Writing a host and reading it back. */
export const CONVERGE_CODES = { APPLY_FAILED: FAILED, NOT_CONVERGED: FAILED, HOST_FAILED: FAILED } as const;

/** Phases, reboots, gates, the lock, rollback. */
export const ROLLOUT_CODES = {
  REBOOT_FAILED: FAILED, REBOOT_TIMEOUT: FAILED, UNSTABLE_AFTER_REBOOT: FAILED, BOOT_LOOP_REVERTED: FAILED,
  REVERT_FAILED: FAILED, QUARANTINED: FAILED, UNEXPECTED_REBOOT: FAILED, KFENCE_FINDING: FAILED,
  HEALTH_COMMAND_FAILED: FAILED, KFENCE_GATE_BLIND: FAILED, ROLLBACK_NOT_VERIFIED: FAILED, ROLLBACK_FAILED: FAILED, ROLLBACK_ARGS_FAILED: FAILED,
  LOCKED: LOCKED, LOCK_STALE: LOCKED, LAB_START: FAILED, TRIAL_FELL_BACK: FAILED,
} as const;

/** The state store (files or etcd) and the fleet lock it holds. */
export const STATE_CODES = {
  STATE_NOT_SHARED: INPUT, STATE_URL: INPUT, STATE_TLS: INPUT, STATE_AUTH: INPUT,
  STATE_UNAVAILABLE: LOCKED, LOCK_LOST: LOCKED,
} as const;

/** The SSH transport (src/transport/types.ts TRANSPORT_CODES). */
export const TRANSPORT_EXIT = {
  UNREACHABLE: FAILED, AUTH_FAILED: FAILED, HOST_KEY_UNKNOWN: FAILED, HOST_KEY_CHANGED: FAILED, HOST_KEY_REVOKED: FAILED,
  TIMEOUT: FAILED, BECOME_FAILED: FAILED, COMMAND_FAILED: FAILED, CONNECTION_LOST: FAILED, OUTPUT_TOO_LARGE: FAILED,
  CONFIG_INVALID: INPUT, HOST_KEY_UNSUPPORTED: FAILED, KEY_INVALID: INPUT,
} as const satisfies Record<TransportCode, ExitCode>;

export type InputCode = keyof typeof INPUT_CODES;
export type FactsCode = keyof typeof FACTS_CODES;
export type PlanCode = keyof typeof PLAN_CODES;
export type ConvergeCode = keyof typeof CONVERGE_CODES;
export type RolloutCode = keyof typeof ROLLOUT_CODES;
export type StateCode = keyof typeof STATE_CODES;

export const ERROR_CODES = { ...INPUT_CODES, ...FACTS_CODES, ...PLAN_CODES, ...CONVERGE_CODES, ...ROLLOUT_CODES, ...STATE_CODES, ...TRANSPORT_EXIT } as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** Codes after which the user must act: they carry a hint (the type system enforces it at `new KfleetError`). */
export type HintedCode = { [K in ErrorCode]: (typeof ERROR_CODES)[K] extends typeof INPUT | typeof REFUSED | typeof LOCKED ? K : never }[ErrorCode];

export function isErrorCode(s: string): s is ErrorCode {
  return Object.hasOwn(ERROR_CODES, s);
}

/** What every failure carries to a user: a code from the list, a sentence, and what to do. */
export interface ErrorInfo<C extends string = ErrorCode> {
  code: C;
  message: string;
  hint?: string;
}
