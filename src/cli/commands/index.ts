// The list of commands, loaded lazily: `kfleet validate` imports only validate.ts (and what it
// needs), never ssh2 or the lab. Each module exports `register(program)`, which may register more
// than one top-level command (runs.ts: runs, promote, abort, quarantine). The `usage` and `summary`
// here are what the top-level `--help` shows without loading any module; test/cli/commands.test.ts
// checks that they match what the modules register.
import type { Command } from 'commander';

export type Register = (program: Command) => void;
type Loader = () => Promise<{ register: Register }>;

export interface CommandEntry {
  name: string;
  /** The term `kfleet --help` shows, as commander would print it for the registered command. */
  usage: string;
  summary: string;
  load: Loader;
}

const runs: Loader = () => import('./runs.js');

export const commands: CommandEntry[] = [
  { name: 'validate', usage: 'validate [options] <playbook>', summary: 'check a playbook (and, with -i, that each play selects some hosts); changes nothing', load: () => import('./validate.js') },
  { name: 'plan', usage: 'plan [options] <playbook>', summary: 'show what would change on each host (nothing is written)', load: () => import('./plan.js') },
  { name: 'apply', usage: 'apply [options] [playbook-or-plan]', summary: 'converge hosts to a playbook (phased, with reboots where the state needs them), apply a saved plan exactly, or --resume a run', load: () => import('./apply.js') },
  { name: 'status', usage: 'status [options] [pattern]', summary: 'show KFENCE on every host: mode, interval, pool, fault, slabs, pending reboot, bugs', load: () => import('./status.js') },
  { name: 'runs', usage: 'runs [options]', summary: 'list rollout runs and their verdicts', load: runs },
  { name: 'promote', usage: 'promote [options] <run>', summary: 'let a run waiting for manual promotion go on to its next phase', load: runs },
  { name: 'abort', usage: 'abort [options] <run>', summary: 'stop a run cleanly: hosts in flight finish their step, no new host is touched', load: runs },
  { name: 'quarantine', usage: 'quarantine [options]', summary: 'list hosts the boot-loop guard reverted and quarantined, or lift a quarantine', load: runs },
  { name: 'watch', usage: 'watch [options] <run>', summary: "follow a run's progress from its journal until it ends (from any machine on the same state store)", load: runs },
  { name: 'worker', usage: 'worker [options] <run> [playbook]', summary: 'join a running rollout on an etcd state store as one more controller: claim hosts of its current phase and drive them until the run ends', load: () => import('./worker.js') },
  { name: 'rollback', usage: 'rollback [options] <run>', summary: 'put every host a run touched back to the state recorded before it', load: () => import('./rollback.js') },
  { name: 'report', usage: 'report [options] [pattern]', summary: "KFENCE findings across the fleet, titled as syzkaller titles them and deduplicated by syzkaller's rule (titles or alternative titles intersect)", load: () => import('./report.js') },
  { name: 'focus', usage: 'focus [options] [title]', summary: "full mode on a finding's slab cache on a few hosts of its cohort for a window, then revert (a journaled run; --resume after a controller died)", load: () => import('./focus.js') },
  { name: 'hosts', usage: 'hosts [options] [pattern]', summary: 'list the inventory hosts a pattern selects (default: all)', load: () => import('./hosts.js') },
  { name: 'demo', usage: 'demo [options]', summary: 'start a simulated fleet, roll KFENCE out across it with canaries and reboots, and stop it', load: () => import('./demo.js') },
  { name: 'config', usage: 'config [options]', summary: 'show the settings taken from ansible.cfg and ANSIBLE_* variables, and where each came from', load: () => import('./config.js') },
  { name: 'completion', usage: 'completion <shell>', summary: 'print the shell completion script for bash, zsh or fish (e.g. eval "$(kfleet completion bash)")', load: () => import('./completion.js') },
  { name: 'schema', usage: 'schema [options]', summary: 'print the JSON Schema of a playbook (for editors: add "# yaml-language-server: $schema=PATH" to a playbook)', load: () => import('./schema.js') },
  { name: 'serve', usage: 'serve [options]', summary: 'serve a live, read-only web page of the runs (phases, hosts, reboots, budgets, soak gates, findings, timeline)', load: () => import('./serve.js') },
  { name: 'lab', usage: 'lab', summary: 'a simulated fleet of KFENCE hosts on this machine, reachable over SSH', load: () => import('./lab.js') },
];
