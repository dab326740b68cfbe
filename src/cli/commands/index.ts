// The list of commands. Each module exports `register(program)`.
import type { Command } from 'commander';
import { register as hosts } from './hosts.js';
import { register as validate } from './validate.js';
import { register as plan } from './plan.js';
import { register as apply } from './apply.js';
import { register as status } from './status.js';
import { register as runs } from './runs.js';
import { register as rollback } from './rollback.js';
import { register as report } from './report.js';
import { register as demo } from './demo.js';
import { register as lab } from './lab.js';
import { register as focus } from './focus.js';
import { register as schema } from './schema.js';
import { register as serve } from './serve.js';

export type Register = (program: Command) => void;

export const commands: Register[] = [validate, plan, apply, status, runs, rollback, report, focus, hosts, demo, lab, schema, serve];
