// The control channel of a detached lab: HTTP over a unix socket in the state dir
// (DIR/control.sock), so `kfleet lab status|inject|fault|down` reach the process serving the lab.

import { createServer, request, type Server } from 'node:http';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Lab, LabHost } from './index.js';
import { BUG_KINDS, type BugKind } from './kernel/reports.js';
import { FAULT_KINDS, type FaultKind } from './host.js';
import { hostWitness } from './witness.js';

export function controlSocket(stateDir: string): string {
  return join(stateDir, 'control.sock');
}

export interface HostStatus {
  name: string;
  port: number;
  profile: string;
  state: 'up' | 'down';
  bootCount: number;
  bootId: string;
  cmdline: string;
  kfence: ReturnType<LabHost['kfence']>;
  faults: FaultKind[];
  audit: { writes: number; failedWrites: number; boots: number };
}

export function hostStatus(h: LabHost): HostStatus {
  return {
    name: h.name,
    port: h.port,
    profile: h.profile.name,
    state: h.state,
    bootCount: h.bootCount,
    bootId: h.bootId,
    cmdline: h.cmdline(),
    kfence: h.kfence(),
    faults: h.activeFaults(),
    audit: {
      writes: h.audit.filter((e) => e.kind === 'write').length,
      failedWrites: h.audit.filter((e) => e.kind === 'write' && !e.ok).length,
      boots: h.audit.filter((e) => e.kind === 'boot').length,
    },
  };
}

export async function serveControl(lab: Lab, onDown: () => void): Promise<Server> {
  const path = controlSocket(lab.stateDir);
  await rm(path, { force: true });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      const reply = (code: number, value: unknown) => {
        res.writeHead(code, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      try {
        const args = body ? (JSON.parse(body) as Record<string, string | number>) : {};
        if (req.url === '/status') return reply(200, { stateDir: lab.stateDir, inventory: lab.inventoryPath, knownHosts: lab.knownHostsPath, clientKey: lab.clientKeyPath, pid: process.pid, hosts: lab.hosts.map(hostStatus) });
        if (req.url === '/down') {
          reply(200, { ok: true });
          return onDown();
        }
        if (req.url === '/witness') {
          const hosts = args.host === undefined ? lab.hosts : [lab.host(String(args.host))];
          void Promise.all(hosts.map(hostWitness)).then((w) => reply(200, { hosts: w }), (e: Error) => reply(500, { error: e.message }));
          return;
        }
        const host = lab.host(String(args.host));
        if (req.url === '/inject') {
          if (!BUG_KINDS.includes(args.bug as BugKind)) return reply(400, { error: `unknown bug ${String(args.bug)}; one of ${BUG_KINDS.join(', ')}` });
          return reply(200, { result: host.inject(args.bug as BugKind) });
        }
        if (req.url === '/fault') {
          if (!FAULT_KINDS.includes(args.fault as FaultKind)) return reply(400, { error: `unknown fault ${String(args.fault)}; one of ${FAULT_KINDS.join(', ')}` });
          host.fault(args.fault as FaultKind, { ...(typeof args.ms === 'number' ? { ms: args.ms } : {}), ...(typeof args.cmdline === 'string' ? { cmdline: args.cmdline } : {}), ...(typeof args.bug === 'string' ? { bug: args.bug as BugKind } : {}) });
          return reply(200, { faults: host.activeFaults() });
        }
        if (req.url === '/reboot') {
          void host.reboot();
          return reply(200, { ok: true });
        }
        reply(404, { error: `no such control request ${req.url ?? ''}` });
      } catch (e) {
        reply(400, { error: (e as Error).message });
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  server.on("close", () => void rm(path, { force: true }));
  return server;
}

export function controlRequest<T>(stateDir: string, path: string, body?: unknown): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: controlSocket(stateDir), path, method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
      let data = '';
      res.on('data', (d) => (data += d));
      res.on('end', () => {
        try {
          const v = JSON.parse(data) as T & { error?: string };
          if ((res.statusCode ?? 500) >= 400) reject(new Error(v.error ?? `control request failed (${res.statusCode})`));
          else resolve(v);
        } catch (e) {
          reject(e as Error);
        }
      });
    });
    req.on('error', reject);
    req.end(body === undefined ? '' : JSON.stringify(body));
  });
}
