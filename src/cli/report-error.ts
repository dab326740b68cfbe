// The one place where errors become text and exit codes: a thrown error (renderError) and an
// error carried in an event or a recap line (formatErrorInfo) are worded the same way.
import pc from 'picocolors';
import { EXIT, InputError, formatLocation, isKfleetError, type ErrorInfo, type ExitCode } from '../errors.js';

/** `CODE: [location: ]message`, and the hint on a line of its own (indented by `indent`) when asked. */
export function formatErrorInfo(e: Omit<ErrorInfo<string>, 'hint'> & { hint?: string | undefined }, opts: { location?: string; hint?: boolean; indent?: string } = {}): string {
  const head = `${e.code}: ${opts.location ? `${opts.location}: ` : ''}${e.message}`;
  return opts.hint && e.hint ? `${head}\n${opts.indent ?? '  '}${pc.dim(`hint: ${e.hint}`)}` : head;
}

export function renderError(e: unknown, stream: NodeJS.WritableStream = process.stderr): ExitCode {
  if (e instanceof InputError) {
    for (const p of e.problems) {
      const loc = formatLocation(p.location);
      stream.write(`${loc ? `${loc}  ` : ''}${p.message}\n`);
      if (p.hint) stream.write(`${' '.repeat(loc ? loc.length + 2 : 0)}${pc.dim(`hint: ${p.hint}`)}\n`);
    }
    if (e.problems.length > 1) stream.write(`${e.problems.length} problems; nothing was changed.\n`);
    return e.exitCode;
  }
  if (isKfleetError(e)) {
    const loc = formatLocation(e.location);
    stream.write(`${pc.red('error')} ${formatErrorInfo(e, { location: loc, hint: true })}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  stream.write(`${pc.red('internal error')}: ${err.message}\n${err.stack ?? ''}\n`);
  stream.write('This is a bug in kfleet; please report it with the command line and the output above.\n');
  return EXIT.INTERNAL;
}
