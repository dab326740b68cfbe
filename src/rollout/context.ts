// What every part of a running rollout shares.
import type { LimitFunction } from 'p-limit';
import type { EventBus } from '../events.js';
import type { HostPlan } from '../plan/types.js';
import type { Play } from '../playbook/types.js';
import type { Ledger } from './ledger.js';
import type { RolloutPorts } from './ports.js';
import type { SessionPool } from './sessions.js';

export interface RunContext {
  run: string;
  stateDir: string;
  play: Play;
  ports: RolloutPorts;
  pool: SessionPool;
  /** Every record of the run goes through the ledger. */
  ledger: Ledger;
  bus: EventBus;
  check: boolean;
  /** At most reboot.max_parallel reboots at once. */
  rebootLimit: LimitFunction;
  /** Per remote command. */
  commandTimeoutMs: number;
  /**
   * Admission of a host's fresh plan before anything is written to it (every phase, and on
   * --resume): a saved plan replaces it, or refuses the host (PLAN_STALE) when its facts moved.
   */
  admit?: (host: string, fresh: HostPlan) => HostPlan;
}
