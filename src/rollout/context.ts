// What every part of a running rollout shares.
import type { LimitFunction } from 'p-limit';
import type { EventBus } from '../events.js';
import type { Play } from '../playbook/types.js';
import type { Journal } from './journal.js';
import type { RolloutPorts } from './ports.js';
import type { SessionPool } from './sessions.js';

export interface RunContext {
  run: string;
  stateDir: string;
  play: Play;
  ports: RolloutPorts;
  pool: SessionPool;
  journal: Journal;
  bus: EventBus;
  check: boolean;
  /** At most reboot.max_parallel reboots at once. */
  rebootLimit: LimitFunction;
  /** Per remote command. */
  commandTimeoutMs: number;
}
