// A HostSession over a lab host's shell, without SSH: the real commands run in the lab's shell
// as root (become honoured by running as root) or as the unprivileged `sre` user. For unit tests
// of the read units against the lab's kernel model.
import type { Lab } from '../../src/lab/index.js';
import type { HostSession } from '../../src/transport/types.js';

export function labSession(lab: Lab, host: string, user: 'root' | 'sre' = 'root'): HostSession {
  return {
    host,
    alive: true,
    async exec(command) {
      const t = Date.now();
      const r = await lab.host(host).run(command, user);
      return { code: r.exitCode, signal: r.signal ?? null, stdout: r.stdout, stderr: r.stderr, ms: Date.now() - t };
    },
    async fire() {},
    async close() {},
  };
}
