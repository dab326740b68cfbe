// Everything a connection needs besides the host's own ConnectionVars: policies, files, the ssh
// config resolver, credentials, timeouts, keepalive, limiters. One context per run.
import type { EventBus } from '../events.js';
import { KeyStore, secretSource, type SecretSource } from './credentials.js';
import type { HostKeyPolicy } from './host-key.js';
import { JumpPool } from './jump-pool.js';
import { createLimiters, DEFAULT_RETRY, type Limiters, type RetryPolicy } from './limits.js';
import { defaultSshConfigResolver, type SshConfigResolver } from './ssh-config.js';

export interface TransportContext {
  /** Explicit policy (--host-key-policy); when unset, the ssh config's StrictHostKeyChecking, else 'strict'. */
  hostKeyPolicy: HostKeyPolicy | undefined;
  /** Explicit known_hosts files (read in order, new keys appended to the first); when unset, the ssh config's
   *  UserKnownHostsFile + GlobalKnownHostsFile (default ~/.ssh/known_hosts). */
  knownHostsFiles: string[] | undefined;
  sshConfig: SshConfigResolver;
  credentials: {
    /** ssh-agent socket (default SSH_AUTH_SOCK; IdentityAgent in the ssh config wins); null: no agent. */
    agentSocket: string | null;
    /** Extra identity files tried after the inventory's and the config's (e.g. --private-key). */
    identityFiles: string[];
    /** Parsed keys (once per run) and the run-wide become password. */
    keys: KeyStore;
  };
  timeouts: {
    /** TCP connect + key exchange + auth, per hop (ssh2 readyTimeout); ConnectTimeout / ansible_ssh_timeout override it. */
    readyMs: number;
    /** Default per-command timeout when ExecOptions.timeoutMs is not given. */
    commandMs: number;
  };
  keepalive: { intervalMs: number; countMax: number };
  limits: Limiters;
  retry: RetryPolicy;
  /** Default cap on stdout and stderr each. */
  maxOutputBytes: number;
  /** Warnings (policy off, recorded keys) go here when given; never secrets. */
  events: EventBus | undefined;
  /** ssh2 debug lines (the -vvv equivalent); never receives secrets from kfleet. */
  debug: ((host: string, msg: string) => void) | undefined;
  /** Shared bastion connections (internal). */
  jumpPool: JumpPool;
}

export interface TransportOptions {
  hostKeyPolicy?: HostKeyPolicy;
  knownHostsFiles?: string[];
  /** -F file for ssh -G / the parser; default ~/.ssh/config. */
  sshConfigFile?: string;
  sshConfig?: SshConfigResolver;
  agentSocket?: string | null;
  identityFiles?: string[];
  /** Interactive prompt for passphrases and the become password (the CLI supplies it on a TTY). */
  prompt?: SecretSource;
  env?: NodeJS.ProcessEnv;
  readyTimeoutMs?: number;
  commandTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  connectConcurrency?: number;
  forks?: number;
  channelsPerHost?: number;
  retry?: Partial<RetryPolicy>;
  maxOutputBytes?: number;
  events?: EventBus;
  debug?: (host: string, msg: string) => void;
}

export async function createTransportContext(o: TransportOptions = {}): Promise<TransportContext> {
  const secretOpts: { env?: NodeJS.ProcessEnv; prompt?: SecretSource } = {};
  if (o.env) secretOpts.env = o.env;
  if (o.prompt) secretOpts.prompt = o.prompt;
  return {
    hostKeyPolicy: o.hostKeyPolicy,
    knownHostsFiles: o.knownHostsFiles,
    sshConfig: o.sshConfig ?? (await defaultSshConfigResolver({ configFile: o.sshConfigFile })),
    credentials: {
      agentSocket: o.agentSocket !== undefined ? o.agentSocket : ((o.env ?? process.env).SSH_AUTH_SOCK || null),
      identityFiles: o.identityFiles ?? [],
      keys: new KeyStore(secretSource(secretOpts)),
    },
    timeouts: { readyMs: o.readyTimeoutMs ?? 12_000, commandMs: o.commandTimeoutMs ?? 120_000 },
    keepalive: { intervalMs: o.keepaliveIntervalMs ?? 5_000, countMax: o.keepaliveCountMax ?? 3 },
    limits: createLimiters({
      ...(o.connectConcurrency !== undefined ? { connect: o.connectConcurrency } : {}),
      ...(o.forks !== undefined ? { work: o.forks } : {}),
      ...(o.channelsPerHost !== undefined ? { channelsPerHost: o.channelsPerHost } : {}),
    }),
    retry: { ...DEFAULT_RETRY, ...o.retry },
    maxOutputBytes: o.maxOutputBytes ?? 4 * 1024 * 1024,
    events: o.events,
    debug: o.debug,
    jumpPool: new JumpPool(),
  };
}
