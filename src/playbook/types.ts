// The validated, normalized playbook model (output of src/playbook/load.ts). Durations are in
// milliseconds, shares are {percent}, every default is filled in, so the planner and the rollout
// never look at raw YAML.
import type { NotifyEvent, NotifyFormat, WebhookAddress } from './notify.js';

export type KfenceMode = 'off' | 'sampling' | 'full';
export type ApplyWhere = 'runtime' | 'boot' | 'both';
export type GatePolicy = 'fail' | 'report' | 'ignore';

export interface SlabSelection {
  /** 'all': every cache monitored (the kernel default); 'only': just these; 'except': all but these. */
  kind: 'all' | 'only' | 'except';
  names: string[];
}

export interface MemoryBudget {
  /** Share of the host's MemTotal, e.g. 10 for "10%". */
  percent?: number;
  /** Absolute bytes, e.g. from "512M". */
  bytes?: number;
}

export interface KfenceSpec {
  mode: KfenceMode;
  /** ms; for `sampling` a positive interval (default 100). For `full` always negative (-1). For `off` 0. */
  sample_interval: number;
  /** Pool size; 'auto' = sized from the selected slabs' object counts (the guide's script). Unset = leave as is. */
  num_objects?: number | 'auto';
  pool_mode?: 'global' | 'node';
  order0_page?: boolean;
  fault?: 'report' | 'panic';
  slabs: SlabSelection;
  /** Boot-only cap (Alinux); null = make sure the command line has none; unset = leave as is. */
  booting_max?: string | null;
  apply: ApplyWhere;
  memory_budget?: MemoryBudget;
  /** Required true when fault is 'panic' (validated in the schema). */
  acknowledge_panic: boolean;
}

/** One phase of a rollout: a count of hosts, a share of the play's hosts, or a host pattern. */
export type PhaseSpec =
  | { kind: 'count'; count: number }
  | { kind: 'percent'; percent: number }
  | { kind: 'pattern'; pattern: string };

export interface HealthSpec {
  unexpected_reboot: GatePolicy;
  kfence_bugs: GatePolicy;
  /** A command that must exit 0 on each watched host (run with become). */
  command?: string;
}

export interface RolloutSpec {
  phases: PhaseSpec[];
  forks: number;
  /** Per phase; the phase fails when failed/phase_hosts*100 > this (strictly greater, like Ansible). */
  max_fail_percentage: number;
  /** Across the run; the run halts when failed hosts > this. Unset = no global budget. */
  max_failed_hosts?: number;
  soak_ms: number;
  promote: 'auto' | 'manual';
  health: HealthSpec;
}

export interface RebootSpec {
  allowed: boolean;
  max_parallel: number;
  timeout_ms: number;
  stable_for_ms: number;
  /** Trial boots (src/plan/trial.ts): required, preferred or off; absent: the plan decides as for
   *  preferred, the engine reboots without a trial (src/rollout/trial.ts usesTrial). */
  trial?: 'required' | 'preferred' | 'off';
}

export interface SourceRef {
  file: string;
  line: number;
  col: number;
}

export interface Play {
  name: string;
  /** Ansible host pattern. */
  hosts: string;
  /** Where the `hosts:` value is written (for "pattern matches no host" messages). */
  hosts_source?: SourceRef;
  kfence: KfenceSpec;
  /** True when the play had a `rollout:` section (otherwise defaults: one phase of all hosts). */
  has_rollout: boolean;
  rollout: RolloutSpec;
  reboot: RebootSpec;
  /** Webhooks told about the run (`notify:`); absent = none. */
  notify?: NotifySpec[];
  source: SourceRef;
}

export interface NotifySpec {
  url: WebhookAddress;
  format: NotifyFormat;
  events: NotifyEvent[];
}

export interface Playbook {
  file: string;
  plays: Play[];
}
