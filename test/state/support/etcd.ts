// Real etcd servers for the tests: Debian's etcd-server binary on 127.0.0.1, dynamic ports, a
// temp data dir, one member or a three-member cluster. Members can be killed and restarted (to
// take a cluster's majority away and give it back); stop() kills every member and removes the dirs.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, openSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ETCD_BIN = process.env.KFLEET_TEST_ETCD ?? '/usr/bin/etcd';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export interface EtcdMember {
  name: string;
  clientPort: number;
  /** Plain-HTTP /health and /metrics, whatever the client side speaks. */
  metricsPort: number;
  peerPort: number;
  dataDir: string;
  proc: ChildProcess | null;
}

export interface EtcdCluster {
  members: EtcdMember[];
  /** host:port of every member, comma separated (for etcd://...). */
  endpoints: string;
  /** `etcd://<endpoints>/<prefix>` */
  url(prefix: string): string;
  kill(i: number, signal?: NodeJS.Signals): Promise<void>;
  restart(i: number): Promise<void>;
  stop(): Promise<void>;
}

async function healthy(port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  while (Date.now() < until) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
      const body = (await r.json()) as { health?: string };
      if (body.health === 'true') return;
      last = JSON.stringify(body);
    } catch (e) {
      last = (e as Error).message;
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`etcd on 127.0.0.1:${port} not healthy within ${timeoutMs} ms (${last})`);
}

/** Server TLS for the client port (PEM file paths); clients must then show a certificate of the CA. */
export interface EtcdTls {
  ca: string;
  cert: string;
  key: string;
}

function launch(m: EtcdMember, initialCluster: string, root: string, tls?: EtcdTls): ChildProcess {
  const log = openSync(join(root, `${m.name}.log`), 'a');
  const peer = `http://127.0.0.1:${m.peerPort}`;
  const client = `${tls ? 'https' : 'http'}://127.0.0.1:${m.clientPort}`;
  const p = spawn(
    ETCD_BIN,
    [
      '--name', m.name,
      '--data-dir', m.dataDir,
      '--listen-client-urls', client,
      '--advertise-client-urls', client,
      '--listen-peer-urls', peer,
      '--initial-advertise-peer-urls', peer,
      '--initial-cluster', initialCluster,
      '--initial-cluster-state', 'new',
      '--initial-cluster-token', `kfleet-test-${root.slice(-6)}`,
      '--heartbeat-interval', '100',
      '--election-timeout', '1000',
      '--listen-metrics-urls', `http://127.0.0.1:${m.metricsPort}`,
      ...(tls ? ['--cert-file', tls.cert, '--key-file', tls.key, '--trusted-ca-file', tls.ca, '--client-cert-auth'] : []),
      '--logger', 'zap',
      '--log-outputs', 'stderr',
    ],
    { stdio: ['ignore', log, log] },
  );
  closeSync(log);
  return p;
}

/** Start `size` members (1 or 3) and wait until every one is healthy. */
export async function startEtcd(size = 1, tls?: EtcdTls): Promise<EtcdCluster> {
  const root = mkdtempSync(join(tmpdir(), 'kfleet-etcd-'));
  const members: EtcdMember[] = [];
  for (let i = 0; i < size; i++) members.push({ name: `m${i}`, clientPort: await freePort(), peerPort: await freePort(), metricsPort: await freePort(), dataDir: join(root, `m${i}`), proc: null });
  const initial = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(',');
  for (const m of members) m.proc = launch(m, initial, root, tls);
  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => `127.0.0.1:${m.clientPort}`).join(','),
    url: (prefix) => `${tls ? 'etcds' : 'etcd'}://${members.map((m) => `127.0.0.1:${m.clientPort}`).join(',')}/${prefix}`,
    async kill(i, signal = 'SIGKILL') {
      const m = members[i]!;
      const p = m.proc;
      if (!p || p.exitCode !== null) return;
      const gone = new Promise((r) => p.once('exit', r));
      p.kill(signal);
      await gone;
      m.proc = null;
    },
    async restart(i) {
      const m = members[i]!;
      if (m.proc) return;
      m.proc = launch(m, initial, root, tls);
      await healthy(m.metricsPort, 30_000).catch(() => undefined);
    },
    async stop() {
      await Promise.all(members.map((_, i) => cluster.kill(i)));
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await Promise.all(members.map((m) => healthy(m.metricsPort, 30_000)));
  } catch (e) {
    await cluster.stop();
    throw e;
  }
  return cluster;
}
