// HostSession over one ssh2 connection: a per-host channel semaphore, a timeout on every command
// (signal KILL, close, TIMEOUT), output caps, both streams drained, a missing exit status kept as
// null (unknown, never 0), sudo become with the password fed on a random prompt marker.
import { becomeFailureReason, BecomeFilter, wrapBecome, type BecomeSpec } from './become.js';
import type { ConnectedHop } from './connect.js';
import { TransportError } from './errors.js';
import { Semaphore } from './limits.js';
import type { ClientChannel } from './ssh2.js';
import type { ExecOptions, ExecResult, HostSession } from './types.js';

/** Longest command sent inline in the exec request; longer ones go to `/bin/sh -s` on stdin. */
export const INLINE_COMMAND_MAX = 16 * 1024;

export interface SessionOptions {
  host: string;
  label: string;
  conn: ConnectedHop;
  /** Undefined when the connection is not configured for become (or already is the become user). */
  become: BecomeSpec | undefined;
  channels: number;
  commandTimeoutMs: number;
  maxOutputBytes: number;
  onClose: () => void;
}

export class Ssh2HostSession implements HostSession {
  readonly host: string;
  private readonly sem: Semaphore;
  private closing = false;
  private closedHooks = false;

  constructor(private readonly o: SessionOptions) {
    this.host = o.host;
    this.sem = new Semaphore(o.channels);
    o.conn.client.on('close', () => this.runCloseHooks());
  }

  get alive(): boolean {
    return !this.closing && this.o.conn.lost() === undefined;
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const release = await this.sem.acquire();
    try {
      return await this.run(command, opts, false);
    } finally {
      release();
    }
  }

  async fire(command: string, opts: { become?: boolean } = {}): Promise<void> {
    const release = await this.sem.acquire();
    // The channel is released when it closes (the host may go down first: that is the point).
    try {
      await this.run(command, { ...(opts.become !== undefined ? { become: opts.become } : {}) }, true, release);
    } catch (e) {
      release();
      throw e;
    }
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const c = this.o.conn.client;
    await new Promise<void>((resolve) => {
      if (this.o.conn.lost()) return resolve();
      // A host that vanished without a FIN never answers the disconnect: after a grace period the
      // socket is destroyed, so no half-closed connection keeps the controller alive.
      const t = setTimeout(() => {
        try {
          c.destroy();
        } catch {
          /* already gone */
        }
        resolve();
      }, 2000);
      c.once('close', () => {
        clearTimeout(t);
        resolve();
      });
      try {
        c.end();
      } catch {
        clearTimeout(t);
        resolve();
      }
    });
    this.runCloseHooks();
  }

  private runCloseHooks(): void {
    if (this.closedHooks) return;
    this.closedHooks = true;
    this.o.onClose();
  }

  private lostError(detail?: string): TransportError {
    const why = this.o.conn.lost()?.message ?? (this.closing ? 'session closed' : 'connection closed');
    return new TransportError('CONNECTION_LOST', this.host, `connection to ${this.o.label} lost${detail ? ` ${detail}` : ''} (${why})`,
      'the host rebooted, sshd restarted or the network dropped; kfleet reconnects on the next attempt', { transient: true });
  }

  private run(command: string, optsIn: ExecOptions, fire: boolean, onChannelClose?: () => void): Promise<ExecResult> {
    const started = Date.now();
    // A long script does not fit an exec request: ssh2 servers drop packets over 35,000 bytes
    // (the connection closes), and sshd hands the command to `sh -c` as one argument, which Linux
    // caps at 128 KiB (E2BIG). Send it to `/bin/sh -s` on stdin instead.
    const viaStdin = !fire && optsIn.stdin === undefined && Buffer.byteLength(command, 'utf8') > INLINE_COMMAND_MAX;
    const opts: ExecOptions = viaStdin ? { ...optsIn, stdin: command.endsWith('\n') ? command : `${command}\n` } : optsIn;
    if (viaStdin) command = '/bin/sh -s';
    const useBecome = opts.become === true && this.o.become !== undefined;
    const bw = useBecome ? wrapBecome(command, this.o.become as BecomeSpec) : undefined;
    const timeoutMs = opts.timeoutMs ?? this.o.commandTimeoutMs;
    const cap = opts.maxOutputBytes ?? this.o.maxOutputBytes;
    return new Promise<ExecResult>((resolve, reject) => {
      if (!this.alive) return reject(this.lostError());
      let settled = false;
      let ch: ClientChannel | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (err: TransportError | undefined, res?: ExecResult): void => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        if (err) reject(err);
        else resolve(res as ExecResult);
      };
      const kill = (): void => {
        try {
          ch?.signal('KILL');
        } catch {
          /* not supported or gone */
        }
        try {
          ch?.close();
        } catch {
          /* gone */
        }
      };
      timer = setTimeout(() => {
        kill();
        finish(new TransportError('TIMEOUT', this.host, `command timed out after ${timeoutMs} ms on ${this.o.label}`,
          'the host is slow or the command hangs; the command was signalled and its channel closed'));
      }, timeoutMs);
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let outBytes = 0;
      let errBytes = 0;
      let code: number | null = null;
      let signal: string | null = null;
      let gotExit = false;
      const password = this.o.become?.password;
      // The password goes out on sudo's prompt marker, and the command's stdin right behind it:
      // sudo -S reads its password one byte at a time up to the newline, so what follows stays in
      // the pipe for the command (a command that reads stdin, like `sh -s`, must not wait for
      // kfleet to see it start).
      let stdinSent = false;
      const filter = bw
        ? new BecomeFilter(bw, () => {
            ch?.write(`${password ?? ''}\n`);
            if (!stdinSent && !fire && opts.stdin !== undefined) {
              stdinSent = true;
              ch?.write(opts.stdin);
              ch?.end();
            }
          })
        : undefined;
      const redact = (s: string): string => (password ? s.split(password).join('[redacted]') : s);
      const becomeFailed = (): TransportError =>
        new TransportError('BECOME_FAILED', this.host,
          `become (sudo to ${this.o.become?.user ?? 'root'}) failed on ${this.o.label}: ${becomeFailureReason(redact(filter?.sudoText() ?? ''), filter?.state ?? 'pending')}`,
          'give the user NOPASSWD sudo, or give the password: -K (--ask-become-pass), KFLEET_BECOME_PASSWORD or ansible_become_password');
      const tooLarge = (which: string): void => {
        kill();
        finish(new TransportError('OUTPUT_TOO_LARGE', this.host, `command ${which} exceeded ${cap} bytes on ${this.o.label}`,
          'the command was killed; narrow what it prints'));
      };
      const afterBecome = (): void => {
        if (fire) {
          finish(undefined, { code: null, signal: null, stdout: '', stderr: '', ms: Date.now() - started });
          return;
        }
        if (!bw?.promptMarker || stdinSent) return; // stdin was already written
        stdinSent = true;
        if (opts.stdin !== undefined) ch?.write(opts.stdin);
        ch?.end();
      };
      try {
        this.o.conn.client.exec(bw ? bw.command : command, (e, channel) => {
          if (e) {
            finish(this.o.conn.lost() ? this.lostError() : new TransportError('COMMAND_FAILED', this.host,
              `cannot open a channel on ${this.o.label}: ${e.message}`,
              'the server refused a session channel (sshd MaxSessions is below kfleet\'s per-host channel cap?)', { cause: e }));
            return;
          }
          ch = channel;
          if (settled) {
            kill();
            return;
          }
          channel.on('data', (d: Buffer) => {
            outBytes += d.length;
            if (outBytes > cap) return tooLarge('stdout');
            if (!fire) out.push(d);
          });
          channel.stderr.on('data', (d: Buffer) => {
            let chunk = d;
            if (filter) {
              const wasPending = filter.state === 'pending';
              const passed = filter.push(d.toString('utf8'));
              if (filter.state === 'wrong-password') {
                kill();
                return finish(becomeFailed());
              }
              chunk = Buffer.from(passed, 'utf8');
              if (wasPending && filter.state === 'ok') afterBecome();
            }
            errBytes += chunk.length;
            if (errBytes > cap) return tooLarge('stderr');
            if (!fire) err.push(chunk);
          });
          channel.on('exit', (c: number | null, sig?: string) => {
            gotExit = true;
            code = typeof c === 'number' ? c : null;
            signal = sig ? (sig.startsWith('SIG') ? sig : `SIG${sig}`) : null;
          });
          channel.on('close', () => {
            onChannelClose?.();
            if (settled) return;
            if (filter && filter.state !== 'ok') return finish(this.o.conn.lost() ? this.lostError('during sudo') : becomeFailed());
            // A channel closed by a dropped connection is a lost connection, not a result.
            if (!gotExit && this.o.conn.lost()) return finish(this.lostError('while a command was running'));
            finish(undefined, {
              code,
              signal,
              stdout: Buffer.concat(out).toString('utf8'),
              stderr: Buffer.concat(err).toString('utf8'),
              ms: Date.now() - started,
            });
          });
          if (!filter || !bw?.promptMarker) {
            // Without a sudo password, stdin can be written at once (sudo -n does not read it).
            if (fire && !filter) return finish(undefined, { code: null, signal: null, stdout: '', stderr: '', ms: Date.now() - started });
            if (!fire) {
              if (opts.stdin !== undefined) channel.write(opts.stdin);
              channel.end();
            }
          }
        });
      } catch (e) {
        // ssh2 throws synchronously ("Not connected") when the connection is gone.
        finish(this.lostError());
        void e;
      }
    });
  }
}
