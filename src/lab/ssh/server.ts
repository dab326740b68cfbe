// One ssh2.Server per lab host: public-key auth for root and sre, exec (with or without a pty),
// interactive shell, env and signal requests, direct-tcpip to loopback (a lab host can be a bastion). While the host is down the port is closed
// (connection refused); a crash freezes open connections until the next boot resets them.

import ssh2 from 'ssh2';
import type { Connection, ServerChannel, ParsedKey } from 'ssh2';
import net, { connect as tcpConnect, type Socket } from 'node:net';
import { scriptReadsStdin } from '../shell/stdin.js';
import type { LiveIO } from '../shell/context.js';
import type { RunResult } from '../shell/run.js';

export interface SshHostPort {
  readonly name: string;
  /** Run a command for an SSH session. */
  exec(user: 'root' | 'sre', script: string, stdin: string, io: LiveIO, signal: AbortSignal): Promise<RunResult>;
  /** Faults consulted per connection and per command. */
  dropNewConnections(): boolean;
  commandDelayMs(): number;
  cutAfterMs(): number | undefined;
}

interface Tracked {
  conn: Connection;
  sock: Socket | undefined;
  aborts: Set<AbortController>;
}

export class HostSshServer {
  private server: InstanceType<typeof ssh2.Server> | undefined;
  private readonly conns = new Set<Tracked>();
  private frozen: Tracked[] = [];
  port = 0;
  private readonly host: SshHostPort;
  private hostKey: string;
  private readonly clientKey: ParsedKey;

  constructor(host: SshHostPort, hostKey: string, clientKey: ParsedKey) {
    this.host = host;
    this.hostKey = hostKey;
    this.clientKey = clientKey;
  }

  /** SSH connections open now (a witness of how many sessions a controller holds). */
  get openConnections(): number {
    return this.conns.size;
  }

  setHostKey(key: string): void {
    this.hostKey = key;
  }

  async listen(port = this.port): Promise<number> {
    const srv = new ssh2.Server({ hostKeys: [this.hostKey], ident: 'OpenSSH_8.0' }, (conn, info) => this.onConnection(conn, info));
    this.server = srv;
    for (let attempt = 0; ; attempt++) {
      try {
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(port, '127.0.0.1', () => {
            srv.off('error', reject);
            resolve();
          });
        });
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt > 50) throw e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    srv.on('error', () => undefined);
    this.port = (srv.address() as { port: number }).port;
    return this.port;
  }

  /** Network down after boot: the port takes TCP connections and nothing ever answers on them (the
   *  client's connect or handshake times out, as it does against a host whose network is down; a
   *  refused connection would mean sshd is not running). Held sockets are dropped at close(). */
  async listenSilent(port = this.port): Promise<void> {
    const held = new Set<Socket>();
    const srv = net.createServer((sock) => {
      sock.pause();
      sock.on('error', () => undefined);
      held.add(sock);
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => (srv.off('error', reject), resolve()));
    });
    this.silent = { srv, held };
  }

  private silent: { srv: net.Server; held: Set<Socket> } | undefined;

  /** Stop listening (connection refused from now on). */
  async close(): Promise<void> {
    const quiet = this.silent;
    this.silent = undefined;
    if (quiet) {
      for (const s of quiet.held) s.destroy();
      await new Promise<void>((resolve) => quiet.srv.close(() => resolve()));
    }
    const srv = this.server;
    this.server = undefined;
    if (!srv) return;
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }

  /** A clean shutdown: running commands are killed, every connection is closed. */
  endAll(): void {
    for (const t of this.conns) {
      for (const a of t.aborts) a.abort();
      t.conn.end();
      t.sock?.destroy();
    }
    this.conns.clear();
  }

  /** A crash: connections go silent (nothing is read or written) until resetFrozen(). */
  freezeAll(): void {
    for (const t of this.conns) {
      for (const a of t.aborts) a.abort();
      t.sock?.pause();
      (t.sock as unknown as { write: unknown } | undefined) && Object.assign(t.sock!, { write: () => true });
      this.frozen.push(t);
    }
    this.conns.clear();
  }

  /** After the reboot: the new kernel answers the old connections with RST. */
  resetFrozen(): void {
    for (const t of this.frozen) {
      if (t.sock && typeof t.sock.resetAndDestroy === 'function') t.sock.resetAndDestroy();
      else t.sock?.destroy();
    }
    this.frozen = [];
  }

  private onConnection(conn: Connection, _info: unknown): void {
    const sock = (conn as unknown as { _sock?: Socket })._sock;
    conn.on('error', () => undefined);
    if (this.host.dropNewConnections()) {
      if (sock?.resetAndDestroy) sock.resetAndDestroy();
      else conn.end();
      return;
    }
    const t: Tracked = { conn, sock, aborts: new Set() };
    this.conns.add(t);
    conn.on('close', () => this.conns.delete(t));
    let user: 'root' | 'sre' = 'root';
    conn.on('authentication', (ctx) => {
      if ((ctx.username !== 'root' && ctx.username !== 'sre') || ctx.method !== 'publickey') return ctx.reject(['publickey']);
      const pub = this.clientKey.getPublicSSH();
      if (ctx.key.algo !== this.clientKey.type || !Buffer.from(ctx.key.data).equals(Buffer.from(pub))) return ctx.reject(['publickey']);
      if (ctx.signature && ctx.blob) {
        if (this.clientKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return ctx.reject(['publickey']);
      }
      user = ctx.username;
      ctx.accept();
    });
    conn.on('ready', () => {
      // direct-tcpip, as sshd allows by default (AllowTcpForwarding yes): a lab host can be a
      // ProxyJump bastion. Only loopback targets, since every lab host lives on 127.0.0.1.
      conn.on('tcpip', (accept, reject, info) => {
        if (!/^(127\.|::1$|localhost$)/.test(info.destIP)) return reject();
        const out = tcpConnect(info.destPort, info.destIP === 'localhost' ? '127.0.0.1' : info.destIP);
        out.once('error', () => reject());
        out.once('connect', () => {
          const ch = accept();
          ch.on('error', () => out.destroy());
          out.removeAllListeners('error');
          out.on('error', () => ch.destroy());
          ch.pipe(out).pipe(ch);
          ch.on('close', () => out.destroy());
          out.on('close', () => ch.destroy());
        });
      });
      conn.on('session', (accept) => {
        const session = accept();
        let pty = false;
        let current: AbortController | undefined;
        let killedBy: string | undefined;
        session.on('pty', (ok) => {
          pty = true;
          ok?.();
        });
        session.on('env', (ok) => ok?.());
        session.on('window-change', (ok) => ok?.());
        session.on('auth-agent', (_ok, reject) => reject?.());
        session.on('x11', (_ok, reject) => reject?.());
        session.on('subsystem', (_ok, reject) => reject?.());
        // ssh2 hands a signal request (accept, reject, info), like every other session request.
        session.on('signal', (ok, _reject, info) => {
          ok?.();
          killedBy = info.name.replace(/^SIG/, '');
          current?.abort();
        });
        session.on('exec', (ok, _reject, info) => {
          const ch = ok();
          current = new AbortController();
          t.aborts.add(current);
          const ac = current;
          void this.runExec(ch, user, info.command, pty, ac, () => killedBy).finally(() => t.aborts.delete(ac));
        });
        session.on('shell', (ok) => {
          const ch = ok();
          current = new AbortController();
          t.aborts.add(current);
          const ac = current;
          void this.runShell(ch, user, pty, ac).finally(() => t.aborts.delete(ac));
        });
      });
    });
  }

  private liveIO(ch: ServerChannel, pty: boolean): LiveIO & { done: Promise<void> } {
    let buf = '';
    let eof = false;
    const waiters: (() => void)[] = [];
    const wake = () => waiters.splice(0).forEach((w) => w());
    ch.on('data', (d: Buffer) => {
      buf += d.toString('utf8');
      wake();
    });
    const done = new Promise<void>((resolve) => {
      const end = () => {
        eof = true;
        wake();
        resolve();
      };
      ch.on('end', end);
      ch.on('close', end);
    });
    const wait = () => new Promise<void>((r) => waiters.push(r));
    return {
      pty,
      done,
      writeStderr: (s) => {
        if (pty) ch.write(s.replace(/\r?\n/g, '\r\n'));
        else ch.stderr.write(s);
      },
      readLine: async () => {
        for (;;) {
          const i = buf.search(/\r?\n|\r/);
          if (i >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + (buf[i] === '\r' && buf[i + 1] === '\n' ? 2 : 1));
            return line;
          }
          if (eof) {
            if (buf === '') return null;
            const line = buf;
            buf = '';
            return line;
          }
          await wait();
        }
      },
      readRest: async () => {
        while (!eof) await wait();
        const r = buf;
        buf = '';
        return r;
      },
    };
  }

  private async runExec(ch: ServerChannel, user: 'root' | 'sre', command: string, pty: boolean, ac: AbortController, killedBy: () => string | undefined): Promise<void> {
    const io = this.liveIO(ch, pty);
    ch.on('close', () => ac.abort());
    const delay = this.host.commandDelayMs();
    if (delay > 0) await new Promise((r) => setTimeout(r, delay));
    const cut = this.host.cutAfterMs();
    let cutTimer: NodeJS.Timeout | undefined;
    if (cut !== undefined) {
      cutTimer = setTimeout(() => {
        ac.abort();
        const sock = (ch as unknown as { _client?: { _sock?: Socket } })._client?._sock;
        for (const t of this.conns) if (t.aborts.has(ac)) (t.sock ?? sock)?.destroy();
      }, cut);
    }
    let stdin = '';
    if (!pty && scriptReadsStdin(command)) stdin = await io.readRest();
    const r = await this.host.exec(user, command, stdin, io, ac.signal);
    if (cutTimer) {
      if (ac.signal.aborted) return;
      await new Promise((res) => setTimeout(res, Math.max(0, cut! + 50)));
      return;
    }
    if (ac.signal.aborted && !killedBy() && !r.signal) return;
    try {
      if (pty) ch.write((r.stdout + r.stderr).replace(/\r?\n/g, '\r\n'));
      else {
        if (r.stdout) ch.write(r.stdout);
        if (r.stderr) ch.stderr.write(r.stderr);
      }
      const sig = r.signal ?? killedBy();
      if (sig) ch.exit(sig, false, '');
      else ch.exit(r.exitCode);
      ch.end();
    } catch {
      /* the channel went away */
    }
  }

  private async runShell(ch: ServerChannel, user: 'root' | 'sre', pty: boolean, ac: AbortController): Promise<void> {
    const io = this.liveIO(ch, pty);
    ch.on('close', () => ac.abort());
    const prompt = () => ch.write(`[${user}@${this.host.name} ~]${user === 'root' ? '#' : '$'} `);
    prompt();
    let last = 0;
    for (;;) {
      const line = await io.readLine();
      if (line === null || ac.signal.aborted) break;
      if (pty) ch.write(line + '\r\n');
      if (/^\s*(exit|logout)(\s+\d+)?\s*$/.test(line)) {
        last = Number(/\d+/.exec(line)?.[0] ?? last);
        break;
      }
      if (line.trim() !== '') {
        const r = await this.host.exec(user, line, '', io, ac.signal);
        last = r.exitCode;
        const text = r.stdout + r.stderr;
        ch.write(pty ? text.replace(/\r?\n/g, '\r\n') : text);
      }
      prompt();
    }
    try {
      if (pty) ch.write('logout\r\n');
      ch.exit(last);
      ch.end();
    } catch {
      /* gone */
    }
  }
}
