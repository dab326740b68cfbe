// A webhook receiver for tests: an HTTP server on 127.0.0.1 (dynamic port) that records every
// request and answers as the test says (a status, after a delay, or never).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  body: string;
  json: Record<string, unknown>;
  at: number;
  contentType: string | undefined;
}

/** What to answer to the n-th request (0-based) on a path: a status, maybe late; 'hang' never answers. */
export type Behaviour = (n: number, path: string) => { status: number; delayMs?: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  url(path: string): string;
  requests: Received[];
  /** Requests per path, including failed attempts. */
  attempts(path: string): number;
  close(): Promise<void>;
}

export async function startReceiver(behaviour: Behaviour = () => ({ status: 200 })): Promise<Receiver> {
  const requests: Received[] = [];
  const counts = new Map<string, number>();
  const hanging = new Set<ServerResponse>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d));
    req.on('end', () => {
      const path = req.url ?? '';
      const n = counts.get(path) ?? 0;
      counts.set(path, n + 1);
      let json: Record<string, unknown> = {};
      try {
        json = JSON.parse(body) as Record<string, unknown>;
      } catch {
        /* recorded as is */
      }
      requests.push({ path, body, json, at: Date.now(), contentType: req.headers['content-type'] });
      const b = behaviour(n, path);
      if (b === 'hang') {
        hanging.add(res);
        return;
      }
      setTimeout(() => {
        res.writeHead(b.status, { 'content-type': 'text/plain', ...b.headers });
        res.end('ok');
      }, b.delayMs ?? 0);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    requests,
    attempts: (path) => counts.get(path) ?? 0,
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
