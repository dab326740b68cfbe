// Loopback ports for the VMs' SSH forwards, and an SSH-banner readiness check. QEMU's user-mode
// forward accepts TCP on the host even while the guest is not listening, so only the server's
// "SSH-2.0-" banner proves that the guest's SSH server is up.
import { createServer, connect } from 'node:net';

const taken = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '127.0.0.1', exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/**
 * A free loopback port below Linux's default ephemeral range (32768-60999), so a client's
 * outgoing connection does not take it while the VM reboots.
 */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 200; i++) {
    const port = 20000 + Math.floor(Math.random() * 12000);
    if (taken.has(port)) continue;
    if (await bindable(port)) {
      taken.add(port);
      return port;
    }
  }
  throw new Error('no free loopback port in 20000-31999');
}

export function releasePort(port: number): void {
  taken.delete(port);
}

/** Resolves true when an SSH server's banner arrives on 127.0.0.1:port within timeoutMs. */
export function sshBanner(port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect({ port, host: '127.0.0.1' });
    let got = '';
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      sock.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    sock.on('data', (d: Buffer) => {
      got += d.toString('latin1');
      if (got.startsWith('SSH-')) done(true);
      else if (got.length >= 4) done(false);
    });
    sock.on('error', () => done(false));
    sock.on('close', () => done(false));
  });
}
