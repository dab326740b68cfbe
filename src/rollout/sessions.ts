// At most one live connection per host; the engine drops it when the host has nothing to do for a
// while (after its probe until its phase, after its phase), and get() reconnects (through the port), as after a reboot
// or a network fault dropped it.
import type { HostSession } from '../transport/types.js';
import type { RolloutPorts } from './ports.js';

export class SessionPool {
  private sessions = new Map<string, HostSession>();
  constructor(private readonly ports: RolloutPorts) {}

  async get(host: string): Promise<HostSession> {
    const s = this.sessions.get(host);
    if (s && s.alive) return s;
    if (s) await s.close().catch(() => {});
    const fresh = await this.ports.connect(host);
    this.sessions.set(host, fresh);
    return fresh;
  }

  peek(host: string): HostSession | undefined {
    return this.sessions.get(host);
  }

  async drop(host: string): Promise<void> {
    const s = this.sessions.get(host);
    this.sessions.delete(host);
    if (s) await s.close().catch(() => {});
  }

  async closeAll(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all(all.map((s) => s.close().catch(() => {})));
  }
}
