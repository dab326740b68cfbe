// Wires the rollout engine's ports to the real world: ssh2 sessions (src/transport), the probe
// (src/facts), the pure planner (src/plan) and the converger (src/converge), for the hosts of one inventory.
import { Socket } from 'node:net';
import type { EventBus } from '../events.js';
import type { HostFacts } from '../facts/types.js';
import { connectionVars } from '../inventory/connection.js';
import type { InventoryHost } from '../inventory/types.js';
import type { HostPlan } from '../plan/types.js';
import type { RolloutPorts } from '../rollout/ports.js';
import { applyHostPlan } from '../converge/apply-host.js';
import { createTransportContext, type TransportContext } from '../transport/context.js';
import { openSession } from '../transport/index.js';
import { planConnection } from '../transport/connect-plan.js';
import type { FleetCliOptions } from './options.js';
import { intOption } from './options.js';
import { terminalSecretSource } from './prompt.js';

export async function transportFromOptions(o: FleetCliOptions, bus: EventBus, forks: number): Promise<TransportContext> {
  const prompt = terminalSecretSource();
  return createTransportContext({
    ...(o.hostKeyPolicy ? { hostKeyPolicy: o.hostKeyPolicy } : {}),
    ...(o.knownHosts?.length ? { knownHostsFiles: o.knownHosts } : {}),
    ...(o.sshConfig ? { sshConfigFile: o.sshConfig } : {}),
    ...(o.privateKey?.length ? { identityFiles: o.privateKey } : {}),
    ...(prompt ? { prompt } : {}),
    readyTimeoutMs: intOption(o.connectTimeout, '--connect-timeout', 12) * 1000,
    commandTimeoutMs: intOption(o.commandTimeout, '--command-timeout', 120) * 1000,
    forks,
    events: bus,
  });
}

export function tcpProbe(address: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    const finish = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(timeoutMs, () => finish(false));
    s.once('error', () => finish(false));
    s.connect(port, address, () => finish(true));
  });
}

export function fleetPorts(args: {
  hosts: InventoryHost[];
  transport: TransportContext;
  plan: (facts: HostFacts) => HostPlan;
}): RolloutPorts {
  const byName = new Map(args.hosts.map((h) => [h.name, h]));
  const conn = (host: string) => {
    const h = byName.get(host);
    if (!h) throw new Error(`unknown host ${host}`);
    return connectionVars(h);
  };
  const targets = new Map<string, Promise<{ address: string; port: number } | null>>();
  const target = (host: string) => {
    let t = targets.get(host);
    if (!t) {
      t = planConnection(conn(host), args.transport.sshConfig).then(
        (p) => (p.jumps.length ? null : { address: p.target.address, port: p.target.port }),
        () => null,
      );
      targets.set(host, t);
    }
    return t;
  };
  return {
    connect: (host) => openSession(conn(host), args.transport),
    tcpOpen: async (host, timeoutMs) => {
      const t = await target(host);
      return t ? tcpProbe(t.address, t.port, timeoutMs) : true; // behind a jump host: go straight to SSH
    },
    collect: async (session, host) => (await import('../facts/collect.js')).collectFacts(session, host),
    plan: args.plan,
    apply: applyHostPlan,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    now: () => Date.now(),
  };
}
