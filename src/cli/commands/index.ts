// The list of commands. Each module exports `register(program)`.
import type { Command } from 'commander';

export type Register = (program: Command) => void;

export const commands: Register[] = [];
