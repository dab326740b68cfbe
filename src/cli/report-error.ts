// The one place where errors become text and exit codes.
import pc from 'picocolors';
import { EXIT, InputError, formatLocation, isKfleetError, type ExitCode } from '../errors.js';

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
    stream.write(`${pc.red('error')} ${e.code}: ${loc ? `${loc}: ` : ''}${e.message}\n`);
    if (e.hint) stream.write(`  ${pc.dim(`hint: ${e.hint}`)}\n`);
    return e.exitCode;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  stream.write(`${pc.red('internal error')}: ${err.message}\n${err.stack ?? ''}\n`);
  stream.write('This is a bug in kfleet; please report it with the command line and the output above.\n');
  return EXIT.INTERNAL;
}
