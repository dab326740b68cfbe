// Shared jump-host connections: every target behind the same ProxyJump chain reuses one
// connection per hop (forwardOut channels do not count against MaxSessions, ts-stack §1), so a
// thousand hosts behind one bastion cost one bastion handshake, not a thousand (MaxStartups).
// Reference-counted; a dropped bastion is evicted so the next acquire reconnects.
import type { Duplex } from 'node:stream';
import type { HopPlan } from './connect-plan.js';
import type { ConnectedHop } from './connect.js';
import { TransportError } from './errors.js';

export type HopConnector = (hop: HopPlan, sock: Duplex | undefined) => Promise<ConnectedHop>;

interface Entry {
  key: string;
  parent: Entry | undefined;
  hop: Promise<ConnectedHop>;
  refs: number;
}

export interface JumpLease {
  /** A stream to dst:port through the last hop. */
  forward(address: string, port: number): Promise<Duplex>;
  release(): void;
}

export class JumpPool {
  private entries = new Map<string, Entry>();

  get size(): number {
    return this.entries.size;
  }

  async acquire(host: string, chain: readonly HopPlan[], connect: HopConnector): Promise<JumpLease> {
    const entry = this.take(host, chain, connect);
    let hop: ConnectedHop;
    try {
      hop = await entry.hop;
    } catch (e) {
      this.release(entry);
      throw e;
    }
    let released = false;
    return {
      forward: (address, port) => forwardOut(hop, host, chain[chain.length - 1] as HopPlan, address, port),
      release: () => {
        if (released) return;
        released = true;
        this.release(entry);
      },
    };
  }

  private take(host: string, chain: readonly HopPlan[], connect: HopConnector): Entry {
    const key = chain.map((h) => h.label).join(' -> ');
    const existing = this.entries.get(key);
    if (existing) {
      existing.refs++;
      return existing;
    }
    const parent = chain.length > 1 ? this.take(host, chain.slice(0, -1), connect) : undefined;
    const last = chain[chain.length - 1] as HopPlan;
    const entry: Entry = { key, parent, refs: 1, hop: Promise.resolve(undefined as never) };
    entry.hop = (async () => {
      const sock = parent ? await forwardOut(await parent.hop, host, last, last.address, last.port, true) : undefined;
      const c = await connect(last, sock);
      c.client.on('close', () => this.evict(entry));
      return c;
    })();
    entry.hop.catch(() => this.evict(entry));
    this.entries.set(key, entry);
    return entry;
  }

  private evict(entry: Entry): void {
    if (this.entries.get(entry.key) === entry) this.entries.delete(entry.key);
  }

  private release(entry: Entry): void {
    entry.refs--;
    if (entry.refs > 0) return;
    this.evict(entry);
    entry.hop.then((c) => c.client.end(), () => undefined);
    if (entry.parent) this.release(entry.parent);
  }
}

function forwardOut(via: ConnectedHop, host: string, viaHop: HopPlan, address: string, port: number, toJump = false): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const what = `${toJump ? 'jump host ' : ''}${address}:${port} through jump host ${viaHop.label}`;
    try {
      via.client.forwardOut('127.0.0.1', 0, address, port, (err, ch) => {
        if (err) {
          reject(new TransportError('UNREACHABLE', host, `cannot open a tunnel to ${what}: ${err.message}`,
            'check that the host is up and reachable from the jump host', { cause: err, transient: true }));
          return;
        }
        resolve(ch as unknown as Duplex);
      });
    } catch (e) {
      reject(new TransportError('UNREACHABLE', host, `jump host ${viaHop.label} connection is gone: ${(e as Error).message}`,
        'the bastion dropped the connection; retry', { cause: e, transient: true }));
    }
  });
}
