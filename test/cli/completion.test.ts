// Shell completion driven in the real shells: bash through COMP_WORDS/COMP_CWORD and the function
// `kfleet completion bash` defines, zsh by TAB in an interactive zsh under zsh/zpty, fish through
// `complete -C` (which runs its completion for a command line).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const has = (shell: string) => spawnSync(shell, ['-c', 'true']).status === 0;

describe('shell completion', function () {
  this.timeout(180_000);
  let tmp: string;
  let env: NodeJS.ProcessEnv;
  before(() => {
    tmp = mkdtempSync(path.join(tmpdir(), 'kfleet-complete-'));
    const bin = path.join(tmp, 'bin');
    mkdirSync(bin);
    writeFileSync(path.join(bin, 'kfleet'), `#!/bin/sh\nexec "${process.execPath}" "${path.join(ROOT, 'bin/kfleet.js')}" "$@"\n`);
    chmodSync(path.join(bin, 'kfleet'), 0o755);
    writeFileSync(path.join(tmp, 'hosts.ini'), '[web]\nweb01\nweb02\n[db]\ndb01\n');
    writeFileSync(path.join(tmp, 'rollout.yml'), 'hosts: web\nkfence: {mode: off}\n');
    for (const id of ['20261201-101010-aaaa', '20261202-121212-bbbb']) {
      mkdirSync(path.join(tmp, '.kfleet/runs', id), { recursive: true });
      writeFileSync(path.join(tmp, '.kfleet/runs', id, 'journal.ndjson'), '');
    }
    mkdirSync(path.join(tmp, '.kfleet/focus'), { recursive: true });
    writeFileSync(path.join(tmp, '.kfleet/focus/focus-20261203-a1.json'), '{}');
    env = { PATH: `${bin}:${process.env['PATH']}`, HOME: tmp, KFLEET_USE_SOURCE: '1' };
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  /** COMPREPLY of bash's completion function for `words` with the last one being completed. */
  function bash(words: string[]): string[] {
    const script = `eval "$(kfleet completion bash)"\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')})\nCOMP_CWORD=${words.length - 1}\n_kfleet\nprintf '%s\\n' "\${COMPREPLY[@]}"\n`;
    const r = spawnSync('bash', ['--norc', '--noprofile', '-c', script], { cwd: tmp, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.split('\n').filter(Boolean).sort();
  }

  it('bash: commands, options, option choices, subcommands', () => {
    assert.deepEqual(bash(['kfleet', 'v']), ['validate']);
    assert.deepEqual(bash(['kfleet', 'co']), ['completion', 'config']);
    assert.deepEqual(bash(['kfleet', 'hosts', '--']), ['--help', '--inventory', '--json', '--limit']);
    assert.deepEqual(bash(['kfleet', 'status', '--host-key-policy', '']), ['accept-new', 'off', 'strict']);
    assert.deepEqual(bash(['kfleet', 'lab', 'd']), ['down']);
    assert.deepEqual(bash(['kfleet', 'completion', '']), ['bash', 'fish', 'zsh']);
  });

  it('bash: playbook files, host names and groups from the inventory, run ids from the state directory', () => {
    assert.deepEqual(bash(['kfleet', 'validate', 'roll']), ['rollout.yml']);
    assert.deepEqual(bash(['kfleet', 'hosts', '-i', 'hosts.ini', 'w']), ['web', 'web01', 'web02']);
    assert.deepEqual(bash(['kfleet', 'status', '-i', 'hosts.ini', '--limit', 'd']), ['db', 'db01']);
    assert.deepEqual(bash(['kfleet', 'rollback', '-i', 'hosts.ini', '2026']), ['20261201-101010-aaaa', '20261202-121212-bbbb']);
    assert.deepEqual(bash(['kfleet', 'focus', '--resume', '']), ['focus-20261203-a1']);
  });

  /**
   * What zsh's completion system offers on TAB after `line`, typed into an interactive zsh in a
   * pseudo-terminal (zsh/zpty) after compinit and `eval "$(kfleet completion zsh)"`: the real
   * widget runs the real _kfleet; compadd is wrapped only to print the matches it was given.
   */
  function zsh(line: string): string[] {
    const driver = [
      'zmodload zsh/zpty',
      'zpty z zsh -f -i',
      `zpty -w z 'PS1=""; RPROMPT=""'`,
      `zpty -w z "autoload -Uz compinit && compinit -u -d $PWD/.zcompdump"`,
      `zpty -w z 'eval "$(kfleet completion zsh)"'`,
      `zpty -w z 'print -r -- "comps:\${_comps[kfleet]}"'`,
      `zpty -w z 'compadd() { local -a __hits; builtin compadd -A __hits "$@"; print -r -- "<<\${(j:|:)__hits}>>"; }'`,
      `zpty -w z "bindkey '^I' complete-word"`,
      `zpty -w z 'print -r -- READY-$((6*7))'`,
      `zpty -r z line '*READY-42*' || exit 3`,
      `[[ $line == *comps:_kfleet* ]] || { print -r -- "compdef did not register _kfleet: $line"; exit 4; }`,
      `zpty -w -n z "$1"$'\t'`,
      `zpty -r z line '*<<*>>*' || exit 5`,
      `print -r -- "\${\${line##*<<}%%>>*}"`,
      'zpty -d z',
    ].join('\n');
    writeFileSync(path.join(tmp, 'drive.zsh'), driver + '\n');
    const r = spawnSync('timeout', ['60', 'zsh', '-f', 'drive.zsh', line], { cwd: tmp, env, encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    return r.stdout.trim().split('|').filter(Boolean).sort();
  }

  it('zsh: TAB in an interactive zsh (compinit, the real _kfleet widget) offers the same candidates', function () {
    if (!has('zsh')) assert.fail('zsh is not installed: apt-get install zsh');
    assert.deepEqual(zsh('kfleet v'), ['validate']);
    assert.deepEqual(zsh('kfleet hosts -i hosts.ini d'), ['db', 'db01']);
    assert.deepEqual(zsh('kfleet status --host-key-policy '), ['accept-new', 'off', 'strict']);
    assert.deepEqual(zsh('kfleet validate roll'), ['rollout.yml'], 'playbook files through _files');
  });

  it('fish: complete -C completes a kfleet command line', function () {
    if (!has('fish')) assert.fail('fish is not installed: apt-get install fish');
    const r = spawnSync('fish', ['--no-config', '-c', `kfleet completion fish | source; complete -C 'kfleet hosts -i hosts.ini w'; complete -C 'kfleet sta'`], { cwd: tmp, env, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.stdout.split('\n').map((l) => l.split('\t')[0]).filter(Boolean).sort(), ['status', 'web', 'web01', 'web02']);
  });
});
