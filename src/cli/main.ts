#!/usr/bin/env node
// kfleet's command line. Each command lives in src/cli/commands/<name>.ts and registers itself
// on the program; only the module of the command being run is imported (commands/index.ts), so
// `kfleet --help` and `kfleet validate` start without loading ssh2, the lab or the planner.
// Errors from any command are rendered in one place (report-error.ts).
import { Command, CommanderError } from 'commander';
import { EXIT } from '../errors.js';
import { commands, type CommandEntry } from './commands/index.js';
import { addStateOption } from './state-option.js';

export const VERSION = '0.1.0';

function baseProgram(): Command {
  const program = new Command('kfleet')
    .description('Roll the Linux kernel\'s KFENCE memory-error detector across fleets of hosts.')
    .version(VERSION)
    .showHelpAfterError()
    .exitOverride();
  return addStateOption(program);
}

/** Global options that take a value (the word after them is not a command). */
const GLOBAL_WITH_VALUE = new Set(['--state']);

/** The command an argument list runs (`kfleet help X` counts as X), if it names one. */
export function commandFor(argv: string[]): CommandEntry | undefined {
  const words = argv.filter((a, i) => !a.startsWith('-') && !GLOBAL_WITH_VALUE.has(argv[i - 1] ?? ''));
  const name = words[0] === 'help' ? words[1] : words[0];
  return commands.find((c) => c.name === name);
}

/** The program with every command registered (loads every command module). */
export async function buildProgram(): Promise<Command> {
  const program = baseProgram();
  const loaded = new Set<CommandEntry['load']>();
  for (const c of commands) {
    if (loaded.has(c.load)) continue;
    loaded.add(c.load);
    (await c.load()).register(program);
  }
  return program;
}

/** The program as one run needs it: the named command's module, or placeholders listing all. */
async function programFor(argv: string[]): Promise<Command> {
  const program = baseProgram();
  const entry = commandFor(argv);
  if (entry) {
    (await entry.load()).register(program);
    return program;
  }
  const usage = new Map(commands.map((c) => [c.name, c.usage]));
  program.configureHelp({ subcommandTerm: (cmd) => usage.get(cmd.name()) ?? cmd.name() });
  for (const c of commands) program.command(c.name).description(c.summary);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  process.exitCode = undefined; // commands set it; a previous in-process run must not leak into this one
  if (argv[0] === '__complete') {
    // the completion scripts' callback: candidates, one per line; never an error on the terminal
    const { completions } = await import('./complete.js');
    const out = await completions(Number(argv[1]), argv.slice(2)).catch(() => []);
    process.stdout.write(out.length ? `${out.join('\n')}\n` : '');
    return EXIT.OK;
  }
  const runsCommand = commandFor(argv) !== undefined;
  try {
    const program = await programFor(argv);
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
      return EXIT.INPUT;
    }
    return (await import('./report-error.js')).renderError(e);
  } finally {
    // this run's ansible.cfg fallbacks (set by the command's options) end with it; `--help` set none
    if (runsCommand) (await import('../inventory/connection.js')).setConnectionDefaults({});
  }
}

const invokedDirectly = process.argv[1] && /[\\/](main\.(ts|js)|kfleet(\.js)?)$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
      // The command is done; a connection to a host that vanished must not keep the process
      // alive. The timer is unref'd: it only fires if something else still holds the event loop.
      setTimeout(() => process.exit(code), 3000).unref();
    },
    async (e: unknown) => {
      process.exitCode = (await import('./report-error.js')).renderError(e);
    },
  );
}
