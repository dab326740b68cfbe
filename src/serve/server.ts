// `kfleet serve`: a read-only web page of the runs in a state directory, updated live over
// Server-Sent Events as their journals grow. Journals are read only through src/rollout/journal.ts
// (listRuns, journalPath, readJournal); promote and abort (control.ts) answer only when the server
// was started with control allowed AND the request carries the token. Bound to loopback by default;
// requests naming another Host are refused (DNS rebinding).
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { journalPath, listRuns, readJournal, type Stamped } from '../rollout/journal.js';
import { stateStore } from '../state/open.js';
import { requestAbort, requestPromote } from '../rollout/control.js';
import { runSummary, runView, type PlayLimits, type RunSummaryRow, type RunView } from './run-view.js';
import { APP_CSS, APP_JS, PAGE_HTML } from './page.js';

export interface ServeOptions {
  stateDir: string;
  /** Address to listen on; 127.0.0.1 unless said otherwise. */
  bind?: string;
  port?: number;
  /** Allow promote/abort (with the token). */
  allowControl?: boolean;
  token?: string;
  /** How often journals are checked for growth. */
  pollMs?: number;
  /** The play's rollout settings for a run (budgets, soak, gates); null when unknown. */
  limits?: (records: readonly Stamped[]) => Promise<PlayLimits | null>;
}

export interface Served {
  url: string;
  port: number;
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
};

const digest = (s: string) => createHash('sha256').update(s).digest();

export async function startServe(o: ServeOptions): Promise<Served> {
  const bind = o.bind ?? '127.0.0.1';
  const pollMs = o.pollMs ?? 500;
  const limitsCache = new Map<string, Promise<PlayLimits | null>>();
  let port = 0;

  const limitsOf = (run: string, records: readonly Stamped[]) => {
    let p = limitsCache.get(run);
    if (!p) {
      p = o.limits ? o.limits(records).catch(() => null) : Promise.resolve(null);
      limitsCache.set(run, p);
    }
    return p;
  };

  // Through the store port: a file's size, or the last seq of a journal in etcd.
  const size = (run: string) => {
    try {
      return stateStore(o.stateDir).journalVersion(run);
    } catch {
      return -1;
    }
  };

  // Each run's summary is re-read only when its journal grew (a state dir can hold many runs).
  const summaries = new Map<string, { size: number; row: RunSummaryRow }>();
  const runs = () =>
    listRuns(o.stateDir)
      .reverse()
      .flatMap((r) => {
        const now = size(r);
        const known = summaries.get(r);
        if (known && known.size === now) return [known.row];
        try {
          const row = runSummary(readJournal(journalPath(o.stateDir, r)));
          summaries.set(r, { size: now, row });
          return [row];
        } catch {
          return [];
        }
      });

  async function view(run: string): Promise<RunView | null> {
    if (!listRuns(o.stateDir).includes(run)) return null;
    const records = readJournal(journalPath(o.stateDir, run));
    if (!records.length) return null;
    return runView(records, await limitsOf(run, records));
  }

  const clients = new Set<ServerResponse>();

  function send(res: ServerResponse, status: number, type: string, body: string, extra: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': type, ...SECURITY_HEADERS, ...extra });
    res.end(body);
  }
  const json = (res: ServerResponse, status: number, v: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(v));

  function hostAllowed(req: IncomingMessage): boolean {
    if (bind !== '127.0.0.1' && bind !== 'localhost' && bind !== '::1') return true;
    const h = (req.headers.host ?? '').toLowerCase();
    return [`127.0.0.1:${port}`, `localhost:${port}`, `[::1]:${port}`].includes(h);
  }

  function tokenOk(req: IncomingMessage): boolean {
    if (!o.token) return false;
    const m = /^Bearer (.+)$/.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]!), digest(o.token));
  }

  async function events(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', connection: 'keep-alive', ...SECURITY_HEADERS });
    clients.add(res);
    let chosen = url.searchParams.get('run') ?? '';
    let last = '';
    let lastSent = 0;
    let closed = false;
    const tick = async () => {
      if (closed) return;
      const list = runs();
      if (!chosen && list[0]) chosen = list[0].run;
      const key = JSON.stringify([list.map((r) => [r.run, r.verdict, r.phase]), chosen, size(chosen)]);
      const going = list.some((r) => r.run === chosen && r.verdict === null);
      // A run still going is re-sent every 2 s too: its timeline grows with the clock.
      if (key === last && !(going && Date.now() - lastSent >= 2000)) return;
      const v = chosen ? await view(chosen) : null;
      last = key;
      lastSent = Date.now();
      res.write(`event: state\ndata: ${JSON.stringify({ runs: list, run: v, control: o.allowControl === true })}\n\n`);
    };
    const timer = setInterval(() => void tick().catch(() => {}), pollMs);
    req.on('close', () => {
      closed = true;
      clearInterval(timer);
      clients.delete(res);
    });
    await tick();
  }

  async function control(req: IncomingMessage, res: ServerResponse, run: string, action: string): Promise<void> {
    if (!o.allowControl) return json(res, 403, { error: 'control is off: start kfleet serve with --allow-control to promote or abort from the page' });
    if (!tokenOk(req)) return json(res, 401, { error: 'wrong or missing token' });
    const v = await view(run);
    if (!v) return json(res, 404, { error: `no run ${run}` });
    if (v.verdict !== null) return json(res, 409, { error: `run ${run} already ended: ${v.verdict}` });
    if (action === 'abort') {
      requestAbort(o.stateDir, run, 'aborted from kfleet serve');
      return json(res, 202, { ok: true, action: 'abort', run });
    }
    if (v.waiting_promote === null) return json(res, 409, { error: `run ${run} is not waiting for promotion` });
    requestPromote(o.stateDir, run, v.waiting_promote);
    return json(res, 202, { ok: true, action: 'promote', run, phase: v.waiting_promote });
  }

  const server = createServer((req, res) => {
    void (async () => {
      if (!hostAllowed(req)) return send(res, 421, 'text/plain; charset=utf-8', 'unexpected Host header\n');
      const url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
      const ctl = /^\/api\/runs\/([^/]+)\/(promote|abort)$/.exec(url.pathname);
      if (req.method === 'POST' && ctl) return control(req, res, decodeURIComponent(ctl[1]!), ctl[2]!);
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain; charset=utf-8', 'read-only\n', { allow: 'GET, HEAD' });
      if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      if (url.pathname === '/app.js') return send(res, 200, 'text/javascript; charset=utf-8', APP_JS);
      if (url.pathname === '/app.css') return send(res, 200, 'text/css; charset=utf-8', APP_CSS);
      if (url.pathname === '/api/events') return events(req, res, url);
      if (url.pathname === '/api/runs') return json(res, 200, runs());
      const one = /^\/api\/runs\/([^/]+)$/.exec(url.pathname);
      if (one) {
        const v = await view(decodeURIComponent(one[1]!));
        return v ? json(res, 200, v) : json(res, 404, { error: 'no such run' });
      }
      return send(res, 404, 'text/plain; charset=utf-8', 'not found\n');
    })().catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, 'text/plain; charset=utf-8', `${(e as Error).message}\n`);
      else res.end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, bind, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const hostPart = bind.includes(':') ? `[${bind}]` : bind;
  return {
    url: `http://${hostPart}:${port}/`,
    port,
    close: async () => {
      for (const c of clients) c.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
