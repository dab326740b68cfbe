// Typed errors: every failure kfleet reports to a user carries a stable `code` from the closed
// list in error-codes.ts, a sentence, a `hint` (what to do; required for codes where the user must
// act) and an optional location (file:line:col or a host). They are thrown by the engine and turned
// into text and an exit code in exactly one place (src/cli/report-error.ts, called by main.ts).

import { ERROR_CODES, EXIT, isErrorCode, type ErrorCode, type ExitCode, type HintedCode } from './error-codes.js';

export { EXIT, ERROR_CODES, isErrorCode, type ErrorCode, type ErrorInfo, type ExitCode, type HintedCode } from './error-codes.js';

export interface Location {
  file?: string;
  line?: number;
  col?: number;
  host?: string;
}

export function formatLocation(loc: Location | undefined): string {
  if (!loc) return '';
  if (loc.file) {
    let s = loc.file;
    if (loc.line !== undefined) s += `:${loc.line}`;
    if (loc.line !== undefined && loc.col !== undefined) s += `:${loc.col}`;
    return s;
  }
  return loc.host ?? '';
}

export interface KfleetErrorOptions {
  hint?: string | undefined;
  location?: Location | undefined;
  exitCode?: ExitCode | undefined;
  cause?: unknown;
}

/** Options for a code where the user must act: the hint is required. */
export type KfleetErrorArgs<C extends ErrorCode> = C extends HintedCode ? [opts: KfleetErrorOptions & { hint: string }] : [opts?: KfleetErrorOptions];

export class KfleetError<C extends ErrorCode = ErrorCode> extends Error {
  readonly code: C;
  readonly hint: string | undefined;
  readonly location: Location | undefined;
  readonly exitCode: ExitCode;

  constructor(code: C, message: string, ...[opts = {}]: KfleetErrorArgs<C>) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KfleetError';
    this.code = code;
    this.hint = opts.hint;
    this.location = opts.location;
    this.exitCode = opts.exitCode ?? ERROR_CODES[code];
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint ? { hint: this.hint } : {}),
      ...(this.location ? { location: this.location } : {}),
    };
  }
}

/** One problem in a user's input (playbook, inventory, ssh config, plan file). */
export interface InputProblem {
  message: string;
  hint?: string | undefined;
  location: Location;
}

/** All problems found in the user's input at once; exit code 2. */
export class InputError extends KfleetError {
  readonly problems: InputProblem[];
  constructor(problems: InputProblem[], summary?: string) {
    const first = problems[0];
    super(
      'INPUT_INVALID',
      summary ??
        (problems.length === 1 && first
          ? first.message
          : `${problems.length} problems in the input`),
      { exitCode: EXIT.INPUT, location: first?.location, hint: first?.hint },
    );
    this.name = 'InputError';
    this.problems = problems;
  }
}

export function inputError(message: string, location: Location, hint?: string): InputError {
  return new InputError([{ message, location, hint }]);
}

/** An error that crossed a boundary as data (a worker's reply): a KfleetError when its code is known. */
export function errorFromInfo(e: { code?: string | undefined; message: string; hint?: string | undefined; exitCode?: ExitCode | undefined }): Error {
  if (!e.code || !isErrorCode(e.code)) return new Error(e.message);
  const make = KfleetError as unknown as new (c: string, m: string, o: KfleetErrorOptions) => KfleetError;
  return new make(e.code, e.message, { hint: e.hint, ...(e.exitCode !== undefined ? { exitCode: e.exitCode } : {}) });
}

export function isKfleetError(e: unknown): e is KfleetError {
  return e instanceof KfleetError;
}
