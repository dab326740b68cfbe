// Open one authenticated ssh2 connection to one hop (directly, or over a `sock` forwarded through
// the previous hop): host key checked by policy, explicit auth order, readyTimeout and keepalive.
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type { HopPlan } from './connect-plan.js';
import type { TransportContext } from './context.js';
import { classifyConnectError, TransportError } from './errors.js';
import { blobKeyType } from './known-hosts.js';
import { prepareHostKeyCheck, type HostKeyPolicy } from './host-key.js';
import { Client, type ConnectConfig, type ParsedKey } from './ssh2.js';

export interface ConnectedHop {
  client: Client;
  /** Set when the connection dropped or errored after it was ready. */
  lost: () => Error | undefined;
}

type AuthMethod =
  | { type: 'agent'; username: string; agent: string }
  | { type: 'publickey'; username: string; key: ParsedKey };

export function effectivePolicy(ctx: TransportContext, hop: HopPlan): HostKeyPolicy {
  return ctx.hostKeyPolicy ?? hop.configPolicy ?? 'strict';
}

export function knownHostsFilesFor(ctx: TransportContext, hop: HopPlan): string[] {
  if (ctx.knownHostsFiles) return ctx.knownHostsFiles;
  const f = [...hop.userKnownHostsFiles, ...hop.globalKnownHostsFiles];
  return f.length ? f : [join(homedir(), '.ssh', 'known_hosts')];
}

async function authMethods(ctx: TransportContext, hop: HopPlan, host: string): Promise<AuthMethod[]> {
  const out: AuthMethod[] = [];
  const agent =
    ctx.credentials.agentSocket === null || hop.identityAgent === 'none'
      ? undefined
      : hop.identityAgent && hop.identityAgent !== 'SSH_AUTH_SOCK'
        ? hop.identityAgent
        : ctx.credentials.agentSocket;
  if (agent) out.push({ type: 'agent', username: hop.user, agent });
  const files = [...hop.identityFiles, ...ctx.credentials.identityFiles.map((path) => ({ path, explicit: true }))];
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f.path)) continue;
    seen.add(f.path);
    const key = await ctx.credentials.keys.load(f.path, host, !f.explicit);
    if (key) out.push({ type: 'publickey', username: hop.user, key });
  }
  return out;
}

/** Parse every key a plan needs (asking passphrases) before any network I/O; errors are KEY_INVALID. */
export async function preloadKeys(ctx: TransportContext, host: string, hops: readonly HopPlan[]): Promise<void> {
  for (const hop of hops) await authMethods(ctx, hop, host);
}

export async function connectHop(
  ctx: TransportContext,
  host: string,
  hop: HopPlan,
  role: 'target' | 'jump',
  sock?: Duplex,
): Promise<ConnectedHop> {
  const policy = effectivePolicy(ctx, hop);
  if (policy === 'off') {
    ctx.events?.emit({ type: 'warning', host, message: `host key checking is OFF for ${hop.label}: anyone on the path can impersonate this host (lab use only)` });
  }
  const files = knownHostsFilesFor(ctx, hop);
  const checker = await prepareHostKeyCheck({ host, address: hop.address, port: hop.port, policy, files });
  const auth = await authMethods(ctx, hop, host); // keys parsed (and passphrases asked) before any network I/O
  if (auth.length === 0) {
    throw new TransportError('AUTH_FAILED', host, `no credentials for ${hop.label}: no ssh-agent and no usable identity file`,
      'start ssh-agent and ssh-add your key, or set ansible_ssh_private_key_file / IdentityFile');
  }
  const client = new Client();
  let lastError: Error | undefined;
  let ready = false;
  let hostKeyError: TransportError | undefined;
  let recorded: string | undefined;
  const cfg: ConnectConfig = {
    host: hop.address,
    port: hop.port,
    username: hop.user,
    readyTimeout: hop.connectTimeoutS ? hop.connectTimeoutS * 1000 : ctx.timeouts.readyMs,
    keepaliveInterval: hop.serverAliveIntervalS ? hop.serverAliveIntervalS * 1000 : ctx.keepalive.intervalMs,
    keepaliveCountMax: hop.serverAliveCountMax ?? ctx.keepalive.countMax,
    algorithms: { serverHostKey: checker.algorithms } as NonNullable<ConnectConfig['algorithms']>,
    hostVerifier: ((key: Buffer, verify: (ok: boolean) => void) => {
      checker.verify(key).then(
        (how) => {
          if (how === 'recorded') recorded = blobKeyType(key);
          verify(true);
        },
        (e: unknown) => {
          hostKeyError = e instanceof TransportError ? e
            : new TransportError('CONFIG_INVALID', host, `cannot check the host key of ${hop.label}: ${(e as Error).message}`, 'check the known_hosts file and its lock file');
          verify(false);
        },
      );
    }) as unknown as NonNullable<ConnectConfig['hostVerifier']>,
    authHandler: auth as unknown as NonNullable<ConnectConfig['authHandler']>,
  };
  if (sock) cfg.sock = sock as NonNullable<ConnectConfig['sock']>;
  const dbg = ctx.debug;
  if (dbg) cfg.debug = (m: string) => dbg(host, m);

  // One permanent error listener for the whole life of the client (ssh2 can emit twice, ts-stack §1).
  client.on('error', (e: Error) => {
    lastError ??= e;
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (e: unknown): void => {
      client.removeListener('ready', onReady);
      client.removeListener('close', onClose);
      client.removeListener('error', onError);
      try {
        client.end();
      } catch {
        /* already closed */
      }
      reject(e);
    };
    const where = role === 'jump' ? `jump host ${hop.label}` : hop.label;
    const onError = (e: Error): void => fail(hostKeyError ?? classifyConnectError(e, host, where));
    const onClose = (): void =>
      fail(hostKeyError ?? new TransportError('UNREACHABLE', host, `connection to ${where} closed before it was ready`,
        'check that sshd is running on the host and accepts connections', { transient: true }));
    const onReady = (): void => {
      ready = true;
      client.removeListener('close', onClose);
      client.removeListener('error', onError);
      resolve();
    };
    client.once('ready', onReady);
    client.once('close', onClose);
    client.once('error', onError);
    try {
      client.connect(cfg);
    } catch (e) {
      fail(new TransportError('CONFIG_INVALID', host, `cannot connect to ${where}: ${(e as Error).message}`, 'check the connection settings'));
    }
  });
  if (recorded) {
    ctx.events?.emit({ type: 'warning', host, message: `accept-new: recorded the ${recorded} host key of ${hop.label} in ${files[0] ?? 'known_hosts'}` });
  }
  let closed = false;
  client.on('close', () => {
    closed = true;
  });
  client.on('end', () => {
    closed = true;
  });
  return {
    client,
    lost: () => (closed || (ready && lastError) ? (lastError ?? new Error('connection closed')) : undefined),
  };
}
