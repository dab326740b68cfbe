// The result of converging one host: what was done, what was read back, and where it stands.
import type { ErrorInfo } from '../error-codes.js';
import type { HostStatus } from '../events.js';

export interface StepResult {
  index: number;
  knob: string;
  path: string;
  value: string;
  /** Exit status of the write (0 = the kernel accepted it). */
  rc: number;
  /** What the file read back after the write (null when it could not be read). */
  readback: string | null;
  ok: boolean;
  /** The shell's error text for a rejected write, e.g. "write error: Invalid argument". */
  error?: string;
}

export interface HostOutcome {
  host: string;
  status: HostStatus;
  /** The booted command line still differs from the desired one: a reboot is needed to finish. */
  pending_reboot: boolean;
  steps: StepResult[];
  boot_args_changed: boolean;
  unit_changed: boolean;
  error?: ErrorInfo<string>;
  ms: number;
}
