// The narrow port between the engine and remote hosts. src/transport/ssh-transport.ts implements
// it with ssh2; tests may implement it in memory. Everything above this port is transport-agnostic.

export interface ExecOptions {
  /** Hard limit for the command; on expiry the channel is signalled, closed and TransportError TIMEOUT is thrown. */
  timeoutMs?: number;
  /** Bytes written to the command's stdin, then EOF. */
  stdin?: string;
  /** Run through the become method (sudo) when the connection is configured for it. */
  become?: boolean;
  /** Cap on captured stdout and stderr each (default 4 MiB); beyond it the command is killed and OUTPUT_TOO_LARGE thrown. */
  maxOutputBytes?: number;
}

export interface ExecResult {
  /** Exit status; null when the server sent none (treat as unknown, never as 0). */
  code: number | null;
  /** Signal name with the SIG prefix when the command was killed by one. */
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface HostSession {
  readonly host: string;
  exec(command: string, opts?: ExecOptions): Promise<ExecResult>;
  /** Fire a command and do not wait for it (used for the detached reboot); resolves once the channel is open. */
  fire(command: string, opts?: { become?: boolean }): Promise<void>;
  /** True until the connection dropped or close() was called. */
  readonly alive: boolean;
  close(): Promise<void>;
}

export const TRANSPORT_CODES = [
  'UNREACHABLE',
  'AUTH_FAILED',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED',
  'HOST_KEY_REVOKED',
  'TIMEOUT',
  'BECOME_FAILED',
  'COMMAND_FAILED',
  'CONNECTION_LOST',
  'OUTPUT_TOO_LARGE',
  'CONFIG_INVALID',
  // Added by the transport implementation (compatible extension):
  'HOST_KEY_UNSUPPORTED', // only a @cert-authority line covers the host; ssh2 cannot verify certificates
  'KEY_INVALID', // a private key file is unreadable, malformed, or its passphrase is wrong (before any network I/O)
] as const;
export type TransportCode = (typeof TRANSPORT_CODES)[number];
