// `kfleet completion bash|zsh|fish`: print the shell's completion script (commands, options,
// playbook files, host names and groups from the inventory, run ids from the state directory).
import { Argument, type Command } from 'commander';
import { SCRIPTS } from '../complete.js';

export function register(program: Command): void {
  program
    .command('completion')
    .description('print the shell completion script for bash, zsh or fish (e.g. eval "$(kfleet completion bash)")')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(['bash', 'zsh', 'fish']))
    .action((shell: string) => {
      process.stdout.write(SCRIPTS[shell]!);
    });
}
