// The SSH connection parameters kfleet takes from a host's Ansible variables, validated with the
// host as the error location. The become password is a secret: it never appears in a message.
import { KfleetError, EXIT } from '../errors.js';
import type { ConnectionVars, InventoryHost, VarValue } from './types.js';

const TRUE = new Set(['y', 'yes', 'on', '1', 'true', 't']);
const FALSE = new Set(['n', 'no', 'off', '0', 'false', 'f', '']);

function bad(host: string, message: string, hint: string): KfleetError {
  return new KfleetError('INVENTORY_VAR_INVALID', message, { hint, location: { host }, exitCode: EXIT.INPUT });
}

/** Ansible's boolean(): true/yes/on/1/"True"/... (case-insensitive), and their false forms. */
export function ansibleBool(v: VarValue, host: string, key: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === null) return false;
  if (typeof v === 'number' && (v === 0 || v === 1)) return v === 1;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (TRUE.has(s)) return true;
    if (FALSE.has(s)) return false;
  }
  throw bad(host, `${key} must be a boolean, got ${JSON.stringify(v)}`, `use ${key}=true or ${key}=false (yes/no and 1/0 also work)`);
}

function str(vars: Record<string, VarValue>, host: string, key: string, secret = false): string | undefined {
  const v = vars[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' && !secret) return String(v);
  if (secret && typeof v === 'number') return String(v);
  throw bad(host, `${key} must be a string${secret ? '' : `, got ${JSON.stringify(v)}`}`, `set ${key} to a plain string`);
}

function int(vars: Record<string, VarValue>, host: string, key: string, min: number, max: number): number | undefined {
  const v = vars[key];
  if (v === undefined || v === null) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < min || n > max)
    throw bad(host, `${key} must be an integer from ${min} to ${max}, got ${JSON.stringify(v)}`, `fix ${key} in the inventory, host_vars or group_vars`);
  return n;
}

/** Fallbacks for hosts whose variables do not say (ansible.cfg / ANSIBLE_* settings, set by the CLI). */
export interface ConnectionDefaults {
  user?: string;
  become?: boolean;
  becomeUser?: string;
  becomeMethod?: string;
}
let defaults: ConnectionDefaults = {};
export function setConnectionDefaults(d: ConnectionDefaults): void {
  defaults = { ...d };
}

export function connectionVars(host: InventoryHost): ConnectionVars {
  const v = host.vars;
  const name = host.name;
  const address = str(v, name, 'ansible_host') ?? name;
  if (!address.trim() || /\s/.test(address)) throw bad(name, `ansible_host must be a host name or address, got ${JSON.stringify(address)}`, 'set ansible_host to a DNS name or IP address');
  // A DNS name (<= 253), an IPv4/IPv6 address (with a %zone), or an ssh config alias: never an
  // option (-o...), never shell syntax, never megabytes.
  if (address.length > 253 || address.startsWith('-') || !/^[A-Za-z0-9_.:%\-]+$/.test(address))
    throw bad(name, `ansible_host must be a host name or address, got ${JSON.stringify(address.length > 80 ? `${address.slice(0, 80)}...` : address)}${address.length > 80 ? ` (${address.length} characters)` : ''}`, 'set ansible_host to a DNS name or IP address');
  const port = int(v, name, 'ansible_port', 1, 65535) ?? int(v, name, 'ansible_ssh_port', 1, 65535);
  const user = str(v, name, 'ansible_user') ?? str(v, name, 'ansible_ssh_user') ?? defaults.user;
  const become = v['ansible_become'] === undefined ? (defaults.become ?? false) : ansibleBool(v['ansible_become'], name, 'ansible_become');
  const becomeMethod = str(v, name, 'ansible_become_method') ?? defaults.becomeMethod;
  if (becomeMethod !== undefined && becomeMethod !== 'sudo')
    throw bad(name, `ansible_become_method ${JSON.stringify(becomeMethod)} is not supported: kfleet only becomes root with sudo`, 'remove ansible_become_method or set it to sudo');
  const becomePassword = str(v, name, 'ansible_become_password', true) ?? str(v, name, 'ansible_become_pass', true);
  const timeout = int(v, name, 'ansible_ssh_timeout', 1, 86400) ?? int(v, name, 'ansible_timeout', 1, 86400);
  return {
    host: name,
    address,
    port,
    user,
    privateKeyFile: str(v, name, 'ansible_ssh_private_key_file') ?? str(v, name, 'ansible_private_key_file'),
    become,
    becomeUser: str(v, name, 'ansible_become_user') ?? defaults.becomeUser,
    becomeMethod,
    becomePassword,
    sshCommonArgs: str(v, name, 'ansible_ssh_common_args'),
    connectTimeoutS: timeout,
  };
}
