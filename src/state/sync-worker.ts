// Calling an asynchronous client synchronously: the client lives in a worker thread; the caller
// posts a request and blocks in Atomics.wait until the worker answers (or the deadline passes).
// The state port is synchronous so that a journal record is committed before the engine acts on
// it, as an fsync was; only the etcd store pays this (a loopback round trip is ~1 ms).
import { MessageChannel, Worker, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { fileURLToPath } from 'node:url';
import { EXIT, KfleetError, type ExitCode } from '../errors.js';

export interface Shared {
  /** [0]: a reply is ready. */
  flag: Int32Array;
  /** [0]: epoch ms until which the lock is certainly still ours (0: not held). [1]: 1 once lost. */
  lease: BigInt64Array;
}

interface Reply {
  id: number;
  ok: boolean;
  value?: unknown;
  error?: { code?: string; message: string; hint?: string; exitCode?: ExitCode };
}

/** Worker code for a module URL: .ts sources (a source checkout) go through tsx's loader first. */
function bootstrap(url: URL): { code: string; eval: true } {
  const file = fileURLToPath(url);
  if (!file.endsWith('.ts')) return { code: `import(${JSON.stringify(url.href)})`, eval: true };
  const tsx = import.meta.resolve('tsx/esm/api');
  return { code: `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(url.href)}); })`, eval: true };
}

export class SyncWorker {
  private readonly worker: Worker;
  private readonly port: MessagePort;
  readonly shared: Shared;
  private nextId = 0;
  private dead: Error | null = null;

  constructor(moduleUrl: URL, data: unknown) {
    const { port1, port2 } = new MessageChannel();
    this.port = port1;
    const flagBuf = new SharedArrayBuffer(4);
    const leaseBuf = new SharedArrayBuffer(16);
    this.shared = { flag: new Int32Array(flagBuf), lease: new BigInt64Array(leaseBuf) };
    const b = bootstrap(moduleUrl);
    this.worker = new Worker(b.code, { eval: true, workerData: { port: port2, flagBuf, leaseBuf, data }, transferList: [port2] });
    this.worker.on('error', (e) => (this.dead = e));
    this.worker.on('exit', (c) => (this.dead ??= new Error(`state worker exited with code ${c}`)));
    this.worker.unref();
    this.port.unref();
  }

  /** Run `op` in the worker and wait for its answer, at most timeoutMs. */
  call<T>(op: string, args: unknown[], timeoutMs: number): T {
    if (this.dead) throw new KfleetError('STATE_UNAVAILABLE', `the state store's worker failed: ${this.dead.message}`, { exitCode: EXIT.LOCKED });
    const id = ++this.nextId;
    Atomics.store(this.shared.flag, 0, 0);
    this.port.postMessage({ id, op, args });
    const until = Date.now() + timeoutMs;
    for (;;) {
      let msg = receiveMessageOnPort(this.port);
      while (msg && (msg.message as Reply).id !== id) msg = receiveMessageOnPort(this.port); // a late answer to a call that timed out
      if (msg) return this.unwrap<T>(msg.message as Reply);
      const left = until - Date.now();
      if (left <= 0 || this.dead) {
        throw new KfleetError('STATE_UNAVAILABLE', `the state store did not answer ${op} within ${Math.round(timeoutMs / 1000)} s`, {
          exitCode: EXIT.LOCKED,
          hint: 'check that a majority of the etcd members is up and reachable; nothing further was done on any host',
        });
      }
      Atomics.wait(this.shared.flag, 0, 0, Math.min(left, 200));
      Atomics.store(this.shared.flag, 0, 0);
    }
  }

  private unwrap<T>(r: Reply): T {
    if (r.ok) return r.value as T;
    const e = r.error!;
    if (e.code) throw new KfleetError(e.code, e.message, { ...(e.hint ? { hint: e.hint } : {}), ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}) });
    throw new Error(e.message);
  }

  terminate(): void {
    void this.worker.terminate();
  }
}
