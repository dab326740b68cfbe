// Where kfleet's state lives: a local directory (the default, .kfleet/ beside the inventory) or
// an etcd v3 cluster named by `--state etcd://host:2379[,host:2379...]/prefix` (or KFLEET_STATE).
// Every function that takes a `stateDir` string accepts either; this module tells them apart.
// Credentials never appear in the location: they come from the environment (etcdConnection).
import { readFileSync } from 'node:fs';
import { EXIT, KfleetError } from '../errors.js';

export interface EtcdLocation {
  kind: 'etcd';
  /** host:port of each member. */
  endpoints: string[];
  /** Key prefix, always ending in '/'. */
  prefix: string;
  tls: boolean;
  /** Canonical form, no credentials: `etcd://a:2379,b:2379/prefix`. */
  url: string;
}

export interface DirLocation {
  kind: 'dir';
  dir: string;
}

export type StateLocation = EtcdLocation | DirLocation;

export function isEtcdState(s: string): boolean {
  return /^etcds?:\/\//.test(s);
}

function bad(spec: string, why: string): KfleetError {
  return new KfleetError('STATE_URL', `--state ${JSON.stringify(redact(spec))}: ${why}`, {
    exitCode: EXIT.INPUT,
    hint: 'write it as etcd://host:2379[,host:2379...]/prefix (etcds:// for TLS); user and password go in KFLEET_ETCD_USER and KFLEET_ETCD_PASSWORD, never in the URL',
  });
}

/** Hide a password someone put in a URL anyway, so an error message cannot print it. */
export function redact(spec: string): string {
  return spec.replace(/\/\/[^@/]*@/, '//***@');
}

export function parseStateLocation(spec: string): StateLocation {
  if (!isEtcdState(spec)) return { kind: 'dir', dir: spec };
  const m = /^(etcds?):\/\/([^/]*)(\/.*)?$/.exec(spec);
  if (!m) throw bad(spec, 'not an etcd URL');
  const [, scheme, hosts = '', path = '/'] = m;
  if (hosts.includes('@')) throw bad(spec, 'credentials do not belong in the URL');
  const endpoints = hosts.split(',').filter(Boolean);
  if (endpoints.length === 0) throw bad(spec, 'no etcd endpoint');
  for (const e of endpoints) if (!/^[A-Za-z0-9.\-[\]:]+:\d{1,5}$/.test(e)) throw bad(spec, `endpoint ${JSON.stringify(e)} is not host:port`);
  const trimmed = path.replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9._\-/]*$/.test(trimmed)) throw bad(spec, 'the prefix may hold letters, digits, . _ - and /');
  const prefix = trimmed ? `${trimmed}/` : 'kfleet/';
  const tls = scheme === 'etcds' || Boolean(process.env.KFLEET_ETCD_CACERT);
  return { kind: 'etcd', endpoints, prefix, tls, url: `${tls ? 'etcds' : 'etcd'}://${endpoints.join(',')}/${prefix.slice(0, -1)}` };
}

/** How to reach the cluster: TLS files and the user/password, from the environment only. */
export interface EtcdConnection {
  hosts: string[];
  prefix: string;
  tls?: { ca?: string; cert?: string; key?: string };
  auth?: { username: string; password: string };
}

export function etcdConnection(loc: EtcdLocation, env: NodeJS.ProcessEnv = process.env): EtcdConnection {
  const read = (v: string | undefined, what: string): string | undefined => {
    if (!v) return undefined;
    try {
      return readFileSync(v, 'utf8');
    } catch (e) {
      throw new KfleetError('STATE_TLS', `cannot read the etcd ${what} ${v}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { exitCode: EXIT.INPUT, hint: 'KFLEET_ETCD_CACERT, KFLEET_ETCD_CERT and KFLEET_ETCD_KEY name PEM files' });
    }
  };
  const out: EtcdConnection = { hosts: loc.endpoints.map((e) => `${loc.tls ? 'https' : 'http'}://${e}`), prefix: loc.prefix };
  if (loc.tls) {
    const tls: NonNullable<EtcdConnection['tls']> = {};
    const ca = read(env.KFLEET_ETCD_CACERT, 'CA certificate');
    const cert = read(env.KFLEET_ETCD_CERT, 'client certificate');
    const key = read(env.KFLEET_ETCD_KEY, 'client key');
    if (ca) tls.ca = ca;
    if (cert) tls.cert = cert;
    if (key) tls.key = key;
    out.tls = tls;
  }
  if (env.KFLEET_ETCD_USER) {
    if (!env.KFLEET_ETCD_PASSWORD) throw new KfleetError('STATE_AUTH', 'KFLEET_ETCD_USER is set but KFLEET_ETCD_PASSWORD is not', { exitCode: EXIT.INPUT, hint: 'export both, or neither for a cluster without authentication' });
    out.auth = { username: env.KFLEET_ETCD_USER, password: env.KFLEET_ETCD_PASSWORD };
  }
  return out;
}

let globalState: string | undefined;

/** Set by the global --state option (src/cli/options.ts). */
export function setConfiguredState(spec: string | undefined): void {
  globalState = spec;
}

/** The state named by --state or KFLEET_STATE, if any (it replaces the default state directory). */
export function configuredState(): string | undefined {
  return globalState ?? (process.env.KFLEET_STATE || undefined);
}
