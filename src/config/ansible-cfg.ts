// ansible.cfg as Ansible finds and reads it: the first of ANSIBLE_CONFIG (a file, or a directory
// holding ansible.cfg), ./ansible.cfg, ~/.ansible.cfg, /etc/ansible/ansible.cfg. The one in the
// current directory is skipped, with a warning, when that directory (or the file) is world-writable,
// as Ansible does: anyone could have put it there. INI with `=` or `:`, `#`/`;` comment lines and
// ` ;` inline comments (Python's configparser with inline_comment_prefixes=(';',)).
import { readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import { inputError } from '../errors.js';

export interface AnsibleCfg {
  file: string;
  /** section -> key -> value (keys lower-cased, as configparser does) */
  sections: Map<string, Map<string, string>>;
}

export interface CfgSearch {
  cfg: AnsibleCfg | undefined;
  /** Where it looked, in order. */
  searched: string[];
  warnings: string[];
}

const S_IWOTH = 0o002;

function statOf(p: string) {
  try {
    return statSync(p);
  } catch {
    return undefined;
  }
}

export function parseAnsibleCfg(file: string, text: string): AnsibleCfg {
  const sections = new Map<string, Map<string, string>>();
  let current: Map<string, string> | undefined;
  let lastKey: string | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (/^\s*([#;].*)?$/.test(raw)) return;
    const section = /^\[([^\]]+)\]\s*(?:[;#].*)?$/.exec(raw);
    if (section) {
      current = sections.get(section[1]!.trim()) ?? new Map<string, string>();
      sections.set(section[1]!.trim(), current);
      lastKey = undefined;
      return;
    }
    if (/^\s/.test(raw) && current && lastKey !== undefined) {
      current.set(lastKey, `${current.get(lastKey)}\n${raw.trim()}`); // a continuation line
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(raw);
    if (!current) throw inputError(`${file}:${i + 1}: a setting before any [section]`, { file, line: i + 1 }, 'put settings under [defaults] or another section, as Ansible requires');
    if (!kv) throw inputError(`${file}:${i + 1}: not a "key = value" line: ${raw.trim()}`, { file, line: i + 1 });
    lastKey = kv[1]!.trim().toLowerCase();
    current.set(lastKey, kv[2]!.replace(/\s;.*$/, '').trim());
  });
  return { file, sections };
}

export function findAnsibleCfg(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): CfgSearch {
  const searched: string[] = [];
  const warnings: string[] = [];
  const candidates: string[] = [];
  const fromEnv = env['ANSIBLE_CONFIG'];
  if (fromEnv) {
    const p = path.resolve(cwd, fromEnv.replace(/^~(?=$|\/)/, homedir()));
    candidates.push(statOf(p)?.isDirectory() ? path.join(p, 'ansible.cfg') : p);
  }
  const local = path.join(cwd, 'ansible.cfg');
  const dirStat = statOf(cwd);
  const fileStat = statOf(local);
  if (fileStat && ((dirStat && dirStat.mode & S_IWOTH) || fileStat.mode & S_IWOTH)) {
    searched.push(local);
    warnings.push(`ignoring ${local}: ${dirStat && dirStat.mode & S_IWOTH ? `the directory ${cwd} is` : 'the file is'} world-writable, so anyone could have written it (Ansible ignores it too)`);
  } else candidates.push(local);
  candidates.push(path.join(env['HOME'] ?? homedir(), '.ansible.cfg'), '/etc/ansible/ansible.cfg');
  for (const c of candidates) {
    searched.push(c);
    if (statOf(c)?.isFile()) return { cfg: parseAnsibleCfg(c, readFileSync(c, 'utf8')), searched, warnings };
  }
  return { cfg: undefined, searched, warnings };
}
