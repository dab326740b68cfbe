// What the rollout engine needs from the outside world, as narrow ports: the CLI wires them to
// ssh2 + the probe + the planner + the converger; tests can wire them to anything (a scripted
// fake fleet drives the engine in milliseconds, test/rollout/fake-fleet.ts).
import type { HostFacts } from '../facts/types.js';
import type { HostPlan } from '../plan/types.js';
import type { HostOutcome } from '../converge/types.js';
import type { ApplyOptions } from '../converge/apply-host.js';
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
  /** Execute a plan on the host, every write read back (src/converge). */
  apply(session: HostSession, plan: HostPlan, opts: ApplyOptions): Promise<HostOutcome>;
  sleep(ms: number): Promise<void>;
  now(): number;
}
