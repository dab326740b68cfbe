// ansible.cfg and ANSIBLE_* settings applied to a command's options: a flag given on the command
// line wins; otherwise the setting (environment first, then ansible.cfg) fills the option, and the
// per-host fallbacks (remote_user, become*) go to the inventory's connection defaults.
import type { Command } from 'commander';
import { KfleetError, EXIT } from '../errors.js';
import { setConnectionDefaults } from '../inventory/connection.js';
import { effectiveConfig, setting, type EffectiveConfig } from './settings.js';

const fromFlag = (cmd: Command, key: string) => cmd.getOptionValueSource(key) === 'cli';
const has = (cmd: Command, key: string) => cmd.options.some((o) => o.attributeName() === key);

/** Fill `cmd`'s options that were not given as flags from the effective Ansible settings. */
export function applyAnsibleSettings(cmd: Command, cfg: EffectiveConfig = effectiveConfig(), warn: (m: string) => void = (m) => process.stderr.write(`warning: ${m}\n`)): void {
  for (const w of cfg.warnings) warn(w);
  const set = (key: string, value: unknown) => {
    if (has(cmd, key) && !fromFlag(cmd, key) && value !== undefined) cmd.setOptionValueWithSource(key, value, 'config');
  };
  const v = (name: Parameters<typeof setting>[1]) => setting(cfg, name).value;
  const inv = v('inventory');
  if (Array.isArray(inv) && inv.length) set('inventory', inv);
  const key = v('private_key_file');
  if (typeof key === 'string') set('privateKey', [key]);
  const forks = v('forks');
  if (forks !== undefined) set('forks', String(forks));
  if (v('host_key_checking') === false) set('hostKeyPolicy', 'off');
  const timeout = v('timeout');
  if (timeout !== undefined) set('connectTimeout', String(timeout));
  if (v('become_ask_pass') === true) set('askBecomePass', true);
  const method = setting(cfg, 'become_method');
  if (method.value !== undefined && method.value !== 'sudo')
    throw new KfleetError('USAGE', `become_method ${JSON.stringify(method.value)} (from ${method.source}) is not supported: kfleet only becomes root with sudo`, { hint: 'set become_method = sudo or remove it', exitCode: EXIT.INPUT });
  setConnectionDefaults({
    ...(typeof v('remote_user') === 'string' ? { user: v('remote_user') as string } : {}),
    ...(typeof v('become') === 'boolean' ? { become: v('become') as boolean } : {}),
    ...(typeof v('become_user') === 'string' ? { becomeUser: v('become_user') as string } : {}),
    ...(typeof method.value === 'string' ? { becomeMethod: method.value } : {}),
  });
}
