// The list of commands. Each module exports `register(program)`.
import type { Command } from 'commander';
import { register as hosts } from './hosts.js';
import { register as validate } from './validate.js';

export type Register = (program: Command) => void;

export const commands: Register[] = [hosts, validate];
