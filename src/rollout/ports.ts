// What the rollout engine needs from the outside world, as narrow ports: the CLI wires them to
// ssh2 + the probe + the planner; tests can wire them to anything.
import type { HostFacts } from '../facts/types.js';
import type { HostPlan } from '../plan/types.js';
import type { HostSession } from '../transport/types.js';

export interface RolloutPorts {
  /** Open a new session to the host (one connection per host; retries for transient failures inside). */
  connect(host: string): Promise<HostSession>;
  /** Does the host's SSH port accept a TCP connection right now? */
  tcpOpen(host: string, timeoutMs: number): Promise<boolean>;
  /** One round trip: every fact the planner needs. */
  collect(session: HostSession, host: string): Promise<HostFacts>;
  /** The pure planner, bound to the play. */
  plan(facts: HostFacts): HostPlan;
  sleep(ms: number): Promise<void>;
  now(): number;
}
