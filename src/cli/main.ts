#!/usr/bin/env node
// kfleet's command line. Each command lives in src/cli/commands/<name>.ts and registers itself
// on the program; errors from any of them are rendered in one place (report-error.ts).
import { Command, CommanderError } from 'commander';
import { renderError } from './report-error.js';
import { EXIT } from '../errors.js';
import { commands } from './commands/index.js';
import { addStateOption } from './options.js';

export function buildProgram(): Command {
  const program = new Command('kfleet')
    .description('Roll the Linux kernel\'s KFENCE memory-error detector across fleets of hosts.')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride();
  addStateOption(program);
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  process.exitCode = undefined; // commands set it; a previous in-process run must not leak into this one
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.OK;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.OK;
      return EXIT.INPUT;
    }
    return renderError(e);
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
    (e: unknown) => {
      process.exitCode = renderError(e);
    },
  );
}
