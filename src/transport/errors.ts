// Typed transport errors: a KfleetError whose code is one of TRANSPORT_CODES, located at the host,
// always with a hint. Messages never contain secrets (passwords, passphrases, key material).
import { EXIT, KfleetError } from '../errors.js';
import type { TransportCode } from './types.js';

export class TransportError extends KfleetError {
  declare readonly code: TransportCode;
  /** Whether a retry with backoff may help (transient connect failures only). */
  readonly transient: boolean;
  constructor(
    code: TransportCode,
    host: string,
    message: string,
    hint: string,
    opts: { cause?: unknown; transient?: boolean } = {},
  ) {
    super(code, message, {
      hint,
      location: { host },
      exitCode: code === 'CONFIG_INVALID' || code === 'KEY_INVALID' ? EXIT.INPUT : EXIT.FAILED,
      cause: opts.cause,
    });
    this.name = 'TransportError';
    this.transient = opts.transient ?? false;
  }
}

export function isTransportError(e: unknown, code?: TransportCode): e is TransportError {
  return e instanceof TransportError && (code === undefined || e.code === code);
}

const TRANSIENT_SOCKET = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE']);

/** Classify an error ssh2 emitted before the connection became ready. */
export function classifyConnectError(err: unknown, host: string, target: string): TransportError {
  const e = err as { code?: string; level?: string; message?: string };
  const msg = e?.message ?? String(err);
  if (e?.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
    return new TransportError('AUTH_FAILED', host, `authentication to ${target} failed (${msg})`,
      'check the user, ansible_ssh_private_key_file / IdentityFile, and that ssh-agent holds the key (ssh-add -l)', { cause: err });
  }
  if (e?.level === 'client-timeout' && /handshake/i.test(msg)) {
    return new TransportError('UNREACHABLE', host, `timed out connecting to ${target}`,
      'check that the host is up and port reachable; raise ansible_ssh_timeout / ConnectTimeout if the network is slow', { cause: err, transient: true });
  }
  if (e?.level === 'client-dns' || e?.code === 'ENOTFOUND' || e?.code === 'EAI_AGAIN') {
    return new TransportError('UNREACHABLE', host, `cannot resolve ${target} (${e?.code ?? msg})`,
      'check ansible_host / HostName and DNS', { cause: err, transient: e?.code === 'EAI_AGAIN' });
  }
  if (e?.code && TRANSIENT_SOCKET.has(e.code)) {
    return new TransportError('UNREACHABLE', host, `cannot connect to ${target} (${e.code})`,
      'check that sshd is running and the port is right (ansible_port / Port)', { cause: err, transient: true });
  }
  if (/before handshake/i.test(msg)) {
    return new TransportError('UNREACHABLE', host, `connection to ${target} closed before the SSH handshake`,
      'the server dropped the connection (sshd MaxStartups, a firewall, or not an SSH server); lower --forks if many hosts share a bastion',
      { cause: err, transient: true });
  }
  return new TransportError('UNREACHABLE', host, `SSH connection to ${target} failed: ${msg}`,
    'run `ssh -v` to the same host to compare', { cause: err });
}
