// Probe a play's hosts before a run (to show the plan and ask): each host's facts and plan,
// admitted against a saved plan when there is one. Errors the user must fix (a broken ssh config,
// a bad key or passphrase) are returned apart: they stop the command before anything is written;
// an unreachable host is left to the engine, which retries it and counts it as failed.
import { EXIT, isKfleetError, type KfleetError } from '../errors.js';
import type { EventBus } from '../events.js';
import type { HostPlan } from '../plan/types.js';
import { fanOut } from './fleet.js';
import { probe, type Probed } from './host-probe.js';
import type { RolloutPorts } from './ports.js';
import { SessionPool } from './sessions.js';

export async function probeFleet(a: { ports: RolloutPorts; hosts: string[]; forks: number; bus: EventBus; admit?: (host: string, fresh: HostPlan) => HostPlan }): Promise<{ probed: Map<string, Probed>; inputErrors: KfleetError[] }> {
  const pool = new SessionPool(a.ports);
  const reached = await fanOut(a.hosts, a.forks, async (host) => {
    try {
      const p = await probe({ pool, ports: a.ports, bus: a.bus }, host);
      return a.admit ? { facts: p.facts, plan: a.admit(host, p.plan) } : p;
    } finally {
      // Closed until the engine works on the host (controller memory stays flat per host).
      await pool.drop(host);
    }
  });
  const probed = new Map<string, Probed>();
  const inputErrors: KfleetError[] = [];
  for (const r of reached) {
    if (r.ok) probed.set(r.host, r.value);
    else if (isKfleetError(r.error) && r.error.exitCode === EXIT.INPUT) inputErrors.push(r.error);
  }
  return { probed, inputErrors };
}
