// From ConnectionVars (inventory) + ~/.ssh/config to a concrete connection plan: the target and
// its ProxyJump hops, each with its own address, user, keys, known_hosts files and policy.
// Precedence: inventory variables (ansible_host/port/user/private key, ansible_ssh_common_args)
// override the ssh config, which overrides OpenSSH's defaults.
import type { ConnectionVars } from '../inventory/types.js';
import { TransportError } from './errors.js';
import type { HostKeyPolicy } from './host-key.js';
import { SshConfigError, type ResolvedSshConfig, type SshConfigResolver } from './ssh-config.js';

export interface HopPlan {
  /** `user@address:port`, for messages. */
  label: string;
  /** Name given to the resolver (the alias). */
  alias: string;
  address: string;
  port: number;
  user: string;
  /** Identity files in order; `explicit` ones must exist. */
  identityFiles: Array<{ path: string; explicit: boolean }>;
  identitiesOnly: boolean;
  identityAgent: string | undefined;
  userKnownHostsFiles: string[];
  globalKnownHostsFiles: string[];
  /** Policy from StrictHostKeyChecking, when the config sets something other than the default. */
  configPolicy: HostKeyPolicy | undefined;
  connectTimeoutS: number | undefined;
  serverAliveIntervalS: number | undefined;
  serverAliveCountMax: number | undefined;
}

export interface ConnectPlan {
  host: string;
  target: HopPlan;
  /** Jump hosts, outermost first. */
  jumps: HopPlan[];
}

/** Minimal POSIX-shell word splitting for ansible_ssh_common_args (quotes and backslashes). */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  const re = /"((?:\\.|[^"\\])*)"|'([^']*)'|\\(.)|(\s+)|([^\s"'\\]+)/gs;
  let cur: string | null = null;
  for (const m of s.matchAll(re)) {
    if (m[4] !== undefined) {
      if (cur !== null) out.push(cur);
      cur = null;
      continue;
    }
    const piece = m[1] !== undefined ? m[1].replace(/\\(["\\$`])/g, '$1') : (m[2] ?? m[3] ?? m[5] ?? '');
    cur = (cur ?? '') + piece;
  }
  if (cur !== null) out.push(cur);
  return out;
}

export interface CommonArgs {
  options: Map<string, string>; // lower-case ssh_config keys
  identityFiles: string[];
}

const HONOURED = new Set(['proxyjump', 'proxycommand', 'user', 'port', 'hostname', 'identityfile', 'stricthostkeychecking',
  'userknownhostsfile', 'connecttimeout', 'serveraliveinterval', 'serveralivecountmax', 'identitiesonly', 'identityagent']);

/** Parse ansible_ssh_common_args: -J, -o K=V / -o 'K V', -p, -l, -i; other flags are ignored. */
export function parseCommonArgs(s: string | undefined, host: string): CommonArgs {
  const res: CommonArgs = { options: new Map(), identityFiles: [] };
  if (!s) return res;
  const w = splitWords(s);
  const take = (i: number, flag: string): string => {
    const v = w[i];
    if (v === undefined) throw new TransportError('CONFIG_INVALID', host, `ansible_ssh_common_args: ${flag} needs a value`, 'fix the inventory variable');
    return v;
  };
  for (let i = 0; i < w.length; i++) {
    const a = w[i] as string;
    const m = /^-([JoplFi])(.*)$/.exec(a);
    if (!m) continue; // -q, -C, -4, ...: irrelevant to kfleet
    const flag = m[1] as string;
    const val = m[2] !== '' ? (m[2] as string) : take(++i, `-${flag}`);
    if (flag === 'J') res.options.set('proxyjump', val);
    else if (flag === 'p') res.options.set('port', val);
    else if (flag === 'l') res.options.set('user', val);
    else if (flag === 'i') res.identityFiles.push(val);
    else if (flag === 'F') throw new TransportError('CONFIG_INVALID', host, 'ansible_ssh_common_args: -F is not supported per host', 'pass the config file to kfleet with --ssh-config');
    else {
      const kv = /^([A-Za-z]+)\s*[= ]\s*(.*)$/.exec(val);
      if (!kv) throw new TransportError('CONFIG_INVALID', host, `ansible_ssh_common_args: cannot read -o ${val}`, 'use -o Key=Value');
      const k = (kv[1] as string).toLowerCase();
      if (HONOURED.has(k)) {
        if (k === 'identityfile') res.identityFiles.push(kv[2] as string);
        else res.options.set(k, kv[2] as string);
      }
    }
  }
  return res;
}

/** `ssh -W %h:%p [opts] [user@]bastion` as a ProxyCommand is the classic jump; turn it into a ProxyJump spec. */
export function proxyCommandToJump(cmd: string): string | undefined {
  const w = splitWords(cmd);
  if (!/(^|\/)ssh$/.test(w[0] ?? '')) return undefined;
  let user: string | undefined;
  let port: string | undefined;
  let target: string | undefined;
  let sawW = false;
  for (let i = 1; i < w.length; i++) {
    const a = w[i] as string;
    if (a === '-W') {
      sawW = /^\[?%h\]?:%p$/.test(w[++i] ?? '');
      if (!sawW) return undefined;
    } else if (a === '-p') port = w[++i];
    else if (a === '-l') user = w[++i];
    else if (a === '-q' || a === '-4' || a === '-6' || a === '-C' || a === '-T') continue;
    else if (a.startsWith('-')) return undefined; // other options would change the hop's meaning
    else if (target === undefined) target = a;
    else return undefined;
  }
  if (!sawW || !target) return undefined;
  const u = user && !target.includes('@') ? `${user}@` : '';
  return `${u}${target}${port ? `:${port}` : ''}`;
}

/** Split a ProxyJump value into hops: `[user@]host[:port]` or `ssh://[user@]host[:port]`, comma-separated. */
export function parseJumpSpec(spec: string): Array<{ user?: string; host: string; port?: number }> {
  return spec.split(',').map((raw) => {
    const s = raw.trim().replace(/^ssh:\/\//, '');
    const m = /^(?:([^@]+)@)?(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s);
    if (!m) throw new SshConfigError(`cannot read ProxyJump hop ${JSON.stringify(raw)}`);
    const hop: { user?: string; host: string; port?: number } = { host: (m[2] as string).replace(/^\[|\]$/g, '') };
    if (m[1]) hop.user = m[1];
    if (m[3]) hop.port = Number(m[3]);
    return hop;
  });
}

function policyFromConfig(v: string | undefined): HostKeyPolicy | undefined {
  if (v === 'accept-new') return 'accept-new';
  // OpenSSH's "no"/"off" would also accept changed keys; kfleet never does, so they read as accept-new.
  if (v === 'no' || v === 'off') return 'accept-new';
  if (v === 'yes') return 'strict';
  return undefined; // "ask" (the default) and unset: kfleet's default
}

function hopFrom(alias: string, r: ResolvedSshConfig, explicitKeys: string[]): HopPlan {
  return {
    label: `${r.user}@${r.hostname}:${r.port}`,
    alias,
    address: r.hostname,
    port: r.port,
    user: r.user,
    identityFiles: [...explicitKeys.map((path) => ({ path, explicit: true })), ...r.identityFiles.map((path) => ({ path, explicit: false }))],
    identitiesOnly: r.identitiesOnly,
    identityAgent: r.identityAgent,
    userKnownHostsFiles: r.userKnownHostsFiles,
    globalKnownHostsFiles: r.globalKnownHostsFiles,
    configPolicy: policyFromConfig(r.strictHostKeyChecking),
    connectTimeoutS: r.connectTimeoutS,
    serverAliveIntervalS: r.serverAliveIntervalS,
    serverAliveCountMax: r.serverAliveCountMax,
  };
}

const MAX_HOPS = 8;

export async function planConnection(conn: ConnectionVars, resolver: SshConfigResolver): Promise<ConnectPlan> {
  const host = conn.host;
  try {
    const common = parseCommonArgs(conn.sshCommonArgs, host);
    const o = common.options;
    const user = conn.user ?? o.get('user');
    const port = conn.port ?? (o.has('port') ? Number(o.get('port')) : undefined);
    if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
      throw new TransportError('CONFIG_INVALID', host, `invalid SSH port ${String(port)}`, 'ansible_port must be 1-65535');
    }
    const r = await resolver.resolve(conn.address, { user, port });
    const resolved: ResolvedSshConfig = { ...r };
    if (o.has('hostname')) resolved.hostname = o.get('hostname') as string;
    if (o.has('stricthostkeychecking')) resolved.strictHostKeyChecking = (o.get('stricthostkeychecking') as string).toLowerCase();
    if (o.has('userknownhostsfile')) resolved.userKnownHostsFiles = (o.get('userknownhostsfile') as string).split(/\s+/);
    for (const k of ['connecttimeout', 'serveraliveinterval', 'serveralivecountmax'] as const) {
      if (!o.has(k)) continue;
      const n = Number(o.get(k));
      if (k === 'connecttimeout') resolved.connectTimeoutS = n;
      else if (k === 'serveraliveinterval') resolved.serverAliveIntervalS = n || undefined;
      else resolved.serverAliveCountMax = n;
    }
    if (conn.connectTimeoutS !== undefined) resolved.connectTimeoutS = conn.connectTimeoutS;
    const explicitKeys = [...(conn.privateKeyFile ? [conn.privateKeyFile] : []), ...common.identityFiles];
    const target = hopFrom(conn.address, resolved, explicitKeys);
    let jumpSpec = o.get('proxyjump') ?? resolved.proxyJump;
    const pc = o.get('proxycommand') ?? resolved.proxyCommand;
    if (!jumpSpec && pc) {
      jumpSpec = proxyCommandToJump(pc);
      if (!jumpSpec) {
        throw new TransportError('CONFIG_INVALID', host, `ProxyCommand ${JSON.stringify(pc)} is not supported`,
          'kfleet supports ProxyJump (and the equivalent `ProxyCommand ssh -W %h:%p bastion`); use -J / ProxyJump');
      }
    }
    const jumps = jumpSpec ? await resolveJumps(jumpSpec, resolver, 0) : [];
    return { host, target, jumps };
  } catch (e) {
    if (e instanceof SshConfigError) {
      throw new TransportError('CONFIG_INVALID', host, e.message, 'fix ~/.ssh/config (check it with `ssh -G HOST`)', { cause: e });
    }
    throw e;
  }
}

async function resolveJumps(spec: string, resolver: SshConfigResolver, depth: number): Promise<HopPlan[]> {
  const out: HopPlan[] = [];
  for (const hop of parseJumpSpec(spec)) {
    if (depth + out.length >= MAX_HOPS) throw new SshConfigError(`more than ${MAX_HOPS} ProxyJump hops (a loop in the ssh config?)`);
    const r = await resolver.resolve(hop.host, { user: hop.user, port: hop.port });
    // A hop's own ProxyJump (only for the first hop, as OpenSSH does) goes before it.
    if (out.length === 0 && r.proxyJump) out.push(...(await resolveJumps(r.proxyJump, resolver, depth + 1)));
    out.push(hopFrom(hop.host, r, []));
  }
  return out;
}
