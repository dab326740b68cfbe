// Completion candidates for `kfleet __complete CWORD WORD...` (called by the scripts `kfleet
// completion bash|zsh|fish` prints): CWORD is the index of the word being completed, counting
// `kfleet` as 0; WORDs are the words after `kfleet`. Prints one candidate per line, or `:files`
// when the shell should complete file names. Commands and options come from the command modules
// themselves, host names and groups from the inventory (-i, else ansible.cfg/ANSIBLE_INVENTORY),
// run ids from the state directory.
import { Command, type Option } from 'commander';
import { commands } from './commands/index.js';

export const FILES = ':files';
const RUN_ARG = /^<run>$/;

function optionValues(words: string[], names: string[]): string[] {
  const out: string[] = [];
  words.forEach((w, i) => {
    for (const n of names) {
      if (w === n && words[i + 1] !== undefined) out.push(words[i + 1]!);
      else if (w.startsWith(`${n}=`)) out.push(w.slice(n.length + 1));
    }
  });
  return out;
}

async function inventoryNames(words: string[]): Promise<string[]> {
  let sources = optionValues(words, ['-i', '--inventory']);
  if (!sources.length) {
    const { effectiveConfig, setting } = await import('../config/settings.js');
    const v = setting(effectiveConfig(), 'inventory').value;
    sources = Array.isArray(v) ? v : [];
  }
  if (!sources.length) return [];
  const { loadInventory } = await import('../inventory/load.js');
  const inv = await loadInventory(sources);
  return [...Object.keys(inv.groups).filter((g) => g !== 'ungrouped'), ...inv.hosts.map((h) => h.name)];
}

async function stateDirOf(words: string[]): Promise<string> {
  const { defaultStateDir } = await import('./targets.js');
  return optionValues(words, ['--state-dir'])[0] ?? defaultStateDir(optionValues(words, ['-i', '--inventory']));
}

async function runIds(words: string[]): Promise<string[]> {
  const { listRuns } = await import('../rollout/journal.js');
  return listRuns(await stateDirOf(words)).reverse(); // newest first
}

/** `kfleet focus --resume ID`: the focus records in STATE/focus/ID.json. */
async function focusIds(words: string[]): Promise<string[]> {
  const { readdirSync } = await import('node:fs');
  const { join } = await import('node:path');
  return readdirSync(join(await stateDirOf(words), 'focus')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort().reverse();
}

const takesValue = (o: Option) => o.required || o.optional;

export async function completions(cword: number, words: string[]): Promise<string[]> {
  const cur = words[cword - 1] ?? '';
  const before = words.slice(0, cword - 1);
  const names = [...commands.map((c) => c.name), 'completion', 'help'].filter((n, i, a) => a.indexOf(n) === i);
  const cmdIndex = before.findIndex((w, i) => !w.startsWith('-') && before[i - 1] !== '--state');
  if (cmdIndex < 0) return cur.startsWith('-') ? ['--help', '--version'] : names;
  const name = before[cmdIndex]!;
  if (name === 'help') return names;
  if (name === 'completion') return ['bash', 'zsh', 'fish'];
  const entry = commands.find((c) => c.name === name);
  if (!entry) return [];
  const program = new Command('kfleet');
  (await entry.load()).register(program);
  let cmd = program.commands.find((c) => c.name() === name);
  if (!cmd) return [];
  // a command with subcommands (lab up/down/...): complete those, then the chosen one's options
  const rest = before.slice(cmdIndex + 1);
  if (cmd.commands.length) {
    const sub = rest.find((w) => !w.startsWith('-'));
    const found = sub && cmd.commands.find((c) => c.name() === sub);
    if (!found) return cur.startsWith('-') ? ['--help'] : cmd.commands.map((c) => c.name());
    cmd = found;
  }
  const options = [...cmd.options];
  const prev = before[before.length - 1];
  const prevOption = prev?.startsWith('-') ? options.find((o) => o.long === prev || o.short === prev) : undefined;
  if (prevOption && takesValue(prevOption)) {
    if (prevOption.argChoices) return prevOption.argChoices;
    if (prevOption.long === '--limit') return inventoryNames(words).catch(() => []);
    if (prevOption.long === '--resume') return (name === 'focus' ? focusIds(words) : runIds(words)).catch(() => []);
    return [FILES];
  }
  if (cur.startsWith('-')) return [...options.flatMap((o) => (o.hidden ? [] : [o.long ?? o.short!])), '--help'];
  // which positional argument is this? (words that are not options or option values)
  let position = 0;
  for (let i = 0; i < rest.length; i++) {
    const w = rest[i]!;
    if (w.startsWith('-')) {
      const o = options.find((x) => x.long === w || x.short === w);
      if (o && takesValue(o) && !w.includes('=')) i++;
    } else if (!cmd.commands.length || w !== cmd.name()) position++;
  }
  const arg = cmd.registeredArguments[position];
  if (!arg) return [];
  const argName = arg.name();
  if (RUN_ARG.test(`<${argName}>`)) return runIds(words).catch(() => []);
  if (argName === 'pattern' || argName === 'host') return inventoryNames(words).catch(() => []);
  if (arg.argChoices) return arg.argChoices;
  return [FILES];
}

const BASH = `# kfleet completion for bash: eval "$(kfleet completion bash)", or save it to
# /etc/bash_completion.d/kfleet or ~/.local/share/bash-completion/completions/kfleet
_kfleet() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" IFS=$'\\n' out
  out=$(command kfleet __complete "$COMP_CWORD" "\${COMP_WORDS[@]:1}" 2>/dev/null) || return 0
  if [[ "$out" == ${FILES}* ]]; then
    compopt -o filenames 2>/dev/null
    COMPREPLY=($(compgen -f -- "$cur"))
  else
    COMPREPLY=($(compgen -W "$out" -- "$cur"))
  fi
}
complete -F _kfleet kfleet
`;

const ZSH = `#compdef kfleet
# kfleet completion for zsh: eval "$(kfleet completion zsh)", or save it as _kfleet in $fpath
_kfleet() {
  local out
  out=$(command kfleet __complete $((CURRENT - 1)) "\${(@)words[2,-1]}" 2>/dev/null) || return 1
  if [[ "$out" == ${FILES}* ]]; then _files; return; fi
  local -a cands
  cands=("\${(@f)out}")
  compadd -- "\${cands[@]}"
}
if (( $+functions[compdef] )); then compdef _kfleet kfleet; fi
`;

const FISH = `# kfleet completion for fish: kfleet completion fish > ~/.config/fish/completions/kfleet.fish
function __kfleet_complete
    set -l tokens (commandline -opc)
    set -l cur (commandline -ct)
    set -l out (command kfleet __complete (count $tokens) $tokens[2..-1] "$cur" 2>/dev/null)
    if test "$out[1]" = "${FILES}"
        __fish_complete_path "$cur"
        return
    end
    printf '%s\\n' $out
end
complete -c kfleet -f -a '(__kfleet_complete)'
`;

export const SCRIPTS: Record<string, string> = { bash: BASH, zsh: ZSH, fish: FISH };
