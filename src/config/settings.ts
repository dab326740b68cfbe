// The settings kfleet shares with Ansible, each resolved in Ansible's order: environment variable,
// then ansible.cfg, then the default (kfleet's flags override all of them, see cli/options.ts).
// Names, sections and types are ansible-core's (lib/ansible/config/base.yml).
import { homedir } from 'node:os';
import path from 'node:path';
import { findAnsibleCfg, type CfgSearch } from './ansible-cfg.js';

export type SettingName = 'inventory' | 'remote_user' | 'private_key_file' | 'forks' | 'host_key_checking' | 'become' | 'become_user' | 'become_method' | 'become_ask_pass' | 'timeout';
type Kind = 'string' | 'path' | 'pathlist' | 'int' | 'bool';

interface SettingDef {
  name: SettingName;
  /** ansible-config's name for it */
  ansible: string;
  env: string;
  section: string;
  key: string;
  kind: Kind;
  /** What it does in kfleet: the flag or inventory variable it stands in for. */
  use: string;
}

export const SETTINGS: SettingDef[] = [
  { name: 'inventory', ansible: 'DEFAULT_HOST_LIST', env: 'ANSIBLE_INVENTORY', section: 'defaults', key: 'inventory', kind: 'pathlist', use: '-i when none is given' },
  { name: 'remote_user', ansible: 'DEFAULT_REMOTE_USER', env: 'ANSIBLE_REMOTE_USER', section: 'defaults', key: 'remote_user', kind: 'string', use: 'ssh user of hosts without ansible_user' },
  { name: 'private_key_file', ansible: 'DEFAULT_PRIVATE_KEY_FILE', env: 'ANSIBLE_PRIVATE_KEY_FILE', section: 'defaults', key: 'private_key_file', kind: 'path', use: '--private-key when none is given' },
  { name: 'forks', ansible: 'DEFAULT_FORKS', env: 'ANSIBLE_FORKS', section: 'defaults', key: 'forks', kind: 'int', use: '-f/--forks when none is given' },
  { name: 'host_key_checking', ansible: 'HOST_KEY_CHECKING', env: 'ANSIBLE_HOST_KEY_CHECKING', section: 'defaults', key: 'host_key_checking', kind: 'bool', use: 'false is --host-key-policy off when none is given' },
  { name: 'become', ansible: 'DEFAULT_BECOME', env: 'ANSIBLE_BECOME', section: 'privilege_escalation', key: 'become', kind: 'bool', use: 'sudo on hosts without ansible_become' },
  { name: 'become_user', ansible: 'DEFAULT_BECOME_USER', env: 'ANSIBLE_BECOME_USER', section: 'privilege_escalation', key: 'become_user', kind: 'string', use: 'become user of hosts without ansible_become_user' },
  { name: 'become_method', ansible: 'DEFAULT_BECOME_METHOD', env: 'ANSIBLE_BECOME_METHOD', section: 'privilege_escalation', key: 'become_method', kind: 'string', use: 'become method of hosts without ansible_become_method (sudo only)' },
  { name: 'become_ask_pass', ansible: 'DEFAULT_BECOME_ASK_PASS', env: 'ANSIBLE_BECOME_ASK_PASS', section: 'privilege_escalation', key: 'become_ask_pass', kind: 'bool', use: '--ask-become-pass when the command has it' },
  { name: 'timeout', ansible: 'DEFAULT_TIMEOUT', env: 'ANSIBLE_TIMEOUT', section: 'defaults', key: 'timeout', kind: 'int', use: '--connect-timeout when none is given' },
];

export type SettingValue = string | number | boolean | string[];

export interface EffectiveSetting {
  name: SettingName;
  ansible: string;
  value: SettingValue | undefined;
  /** 'env: ANSIBLE_X', the ansible.cfg path, or 'default' */
  source: string;
  use: string;
}

export interface EffectiveConfig {
  configFile: string | undefined;
  searched: string[];
  warnings: string[];
  settings: EffectiveSetting[];
}

const expandHome = (p: string, home: string) => p.replace(/^~(?=$|\/)/, home);

/** ansible-core's ensure_type() for the kinds used here. */
function convert(kind: Kind, raw: string, base: string, home: string): SettingValue {
  switch (kind) {
    case 'bool':
      return ['y', 'yes', 'on', '1', 'true', 't'].includes(raw.trim().toLowerCase());
    case 'int': {
      const n = Number(raw.trim());
      return Number.isInteger(n) ? n : raw;
    }
    case 'path':
      return path.resolve(base, expandHome(raw.trim(), home));
    case 'pathlist':
      return raw.split(',').map((s) => s.trim()).filter(Boolean).map((s) => path.resolve(base, expandHome(s, home)));
    default:
      return raw;
  }
}

export function effectiveConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd(), search: CfgSearch = findAnsibleCfg(env, cwd)): EffectiveConfig {
  const home = env['HOME'] ?? homedir();
  const settings = SETTINGS.map((d): EffectiveSetting => {
    const e = env[d.env];
    if (e !== undefined && e !== '') return { name: d.name, ansible: d.ansible, value: convert(d.kind, e, cwd, home), source: `env: ${d.env}`, use: d.use };
    const c = search.cfg?.sections.get(d.section)?.get(d.key);
    if (c !== undefined && search.cfg) return { name: d.name, ansible: d.ansible, value: convert(d.kind, c, path.dirname(search.cfg.file), home), source: search.cfg.file, use: d.use };
    return { name: d.name, ansible: d.ansible, value: undefined, source: 'default', use: d.use };
  });
  return { configFile: search.cfg?.file, searched: search.searched, warnings: search.warnings, settings };
}

export function setting(cfg: EffectiveConfig, name: SettingName): EffectiveSetting {
  return cfg.settings.find((s) => s.name === name)!;
}
