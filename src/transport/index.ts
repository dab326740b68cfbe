// Public API of the transport: openSession(ConnectionVars, TransportContext) -> HostSession.
import type { ConnectionVars } from '../inventory/types.js';
import type { BecomeSpec } from './become.js';
import { planConnection, type ConnectPlan } from './connect-plan.js';
import { connectHop, preloadKeys, type ConnectedHop } from './connect.js';
import type { TransportContext } from './context.js';
import { isTransportError, TransportError } from './errors.js';
import type { JumpLease } from './jump-pool.js';
import { withRetry } from './limits.js';
import { Ssh2HostSession } from './session.js';
import type { HostSession } from './types.js';

export { createTransportContext, type TransportContext, type TransportOptions } from './context.js';
export { TransportError, isTransportError } from './errors.js';
export type { HostKeyPolicy } from './host-key.js';
export { secretSource, ENV_BECOME_PASSWORD, ENV_KEY_PASSPHRASE, type SecretRequest, type SecretSource } from './credentials.js';
export { sshGResolver, parserResolver, defaultSshConfigResolver, type SshConfigResolver, type ResolvedSshConfig } from './ssh-config.js';
export { planConnection, type ConnectPlan, type HopPlan } from './connect-plan.js';
export type { ExecOptions, ExecResult, HostSession, TransportCode } from './types.js';
export { TRANSPORT_CODES } from './types.js';

async function becomeFor(conn: ConnectionVars, plan: ConnectPlan, ctx: TransportContext): Promise<BecomeSpec | undefined> {
  if (!conn.become) return undefined;
  const method = conn.becomeMethod ?? 'sudo';
  if (method !== 'sudo') {
    throw new TransportError('CONFIG_INVALID', conn.host, `ansible_become_method ${JSON.stringify(method)} is not supported`,
      'kfleet becomes root with sudo only; set ansible_become_method=sudo');
  }
  const user = conn.becomeUser ?? 'root';
  if (plan.target.user === user) return undefined; // already that user: nothing to wrap
  const password = conn.becomePassword ?? (await ctx.credentials.keys.becomePassword(conn.host, user));
  return { user, password };
}

async function connectOnce(plan: ConnectPlan, ctx: TransportContext): Promise<{ hop: ConnectedHop; lease: JumpLease | undefined }> {
  const host = plan.host;
  if (plan.jumps.length === 0) return { hop: await connectHop(ctx, host, plan.target, 'target'), lease: undefined };
  const lease = await ctx.jumpPool.acquire(host, plan.jumps, (hop, sock) => connectHop(ctx, host, hop, 'jump', sock));
  try {
    const sock = await lease.forward(plan.target.address, plan.target.port);
    return { hop: await connectHop(ctx, host, plan.target, 'target', sock), lease };
  } catch (e) {
    lease.release();
    throw e;
  }
}

/**
 * Open the one connection to a host: ssh config resolved, keys parsed (before any network I/O),
 * jump hosts shared, host keys checked by policy, retried with capped backoff for transient connect
 * failures only (never auth or host key errors), paced by the connect limiter.
 */
export async function openSession(conn: ConnectionVars, ctx: TransportContext): Promise<HostSession> {
  const plan = await planConnection(conn, ctx.sshConfig);
  const become = await becomeFor(conn, plan, ctx);
  await preloadKeys(ctx, conn.host, [...plan.jumps, plan.target]);
  const { hop, lease } = await withRetry(
    () => ctx.limits.connect(() => connectOnce(plan, ctx)),
    (e) => isTransportError(e) && e.transient,
    ctx.retry,
  );
  return new Ssh2HostSession({
    host: conn.host,
    label: plan.target.label,
    conn: hop,
    become,
    channels: ctx.limits.channelsPerHost,
    commandTimeoutMs: ctx.timeouts.commandMs,
    maxOutputBytes: ctx.maxOutputBytes,
    onClose: () => lease?.release(),
  });
}
