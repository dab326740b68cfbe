// Typed errors: every failure kfleet reports to a user carries a stable `code`, a sentence, an
// optional `hint` (what to do) and an optional location (file:line:col or a host). They are
// thrown by the engine and turned into text and an exit code in exactly one place (src/cli/main.ts).

export const EXIT = {
  OK: 0,
  FAILED: 1, // some host failed, or the run was halted by a budget or a gate
  INPUT: 2, // the playbook, inventory, plan file or command line is wrong; nothing was written
  PENDING_REBOOT: 3, // converged, but some hosts still need a reboot kfleet was not allowed to do
  REFUSED: 4, // some hosts were refused at plan time (unsupported kernel, over budget, ...)
  LOCKED: 5, // another run holds the fleet lock
  ABORTED: 6, // the user aborted (declined the prompt, `kfleet abort`)
  INTERNAL: 70, // a bug in kfleet
} as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

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

export class KfleetError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly location: Location | undefined;
  readonly exitCode: ExitCode;

  constructor(code: string, message: string, opts: KfleetErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'KfleetError';
    this.code = code;
    this.hint = opts.hint;
    this.location = opts.location;
    this.exitCode = opts.exitCode ?? EXIT.FAILED;
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

export function isKfleetError(e: unknown): e is KfleetError {
  return e instanceof KfleetError;
}
