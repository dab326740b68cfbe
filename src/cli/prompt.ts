// Asking for a secret on the terminal without echoing it. Only used when stdin is a TTY; the
// answer is returned to the transport's credential store and never written anywhere.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { SecretRequest, SecretSource } from '../transport/credentials.js';
import { EXIT, KfleetError } from '../errors.js';

export function hiddenPrompt(question: string): Promise<string> {
  return new Promise((resolve) => {
    let muted = false;
    const out = new Writable({
      write(chunk, _enc, cb) {
        if (!muted) process.stderr.write(chunk);
        cb();
      },
    });
    const rl = createInterface({ input: process.stdin, output: out, terminal: true });
    rl.question(question, (answer) => {
      rl.close();
      process.stderr.write('\n');
      resolve(answer);
    });
    muted = true;
  });
}

/** The first line of a non-terminal stdin (`-K` with the password piped in), without its newline. */
function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input, terminal: false });
    let done = false;
    rl.once('line', (l) => {
      done = true;
      rl.close();
      resolve(l);
    });
    rl.once('close', () => (done ? undefined : reject(new KfleetError('USAGE', '--ask-become-pass: stdin ended before a password was read', { exitCode: EXIT.INPUT, hint: 'type it at a terminal, or pipe it in: `printf %s\\n "$PW" | kfleet ... -K`' }))));
  });
}

/** --ask-become-pass: the password, asked once before any connection (hidden on a terminal). */
export async function askBecomePassword(input: NodeJS.ReadableStream & { isTTY?: boolean } = process.stdin): Promise<string> {
  return input.isTTY ? hiddenPrompt('BECOME password: ') : firstLine(input);
}

/** Secrets from the terminal, with the become password fixed when -K asked for it up front. */
export function terminalSecretSource(becomePassword?: string): SecretSource | undefined {
  if (becomePassword !== undefined) {
    const keys = terminalSecretSource();
    return async (req: SecretRequest) => (req.kind === 'become-password' ? becomePassword : keys?.(req));
  }
  if (!process.stdin.isTTY) return undefined;
  return async (req: SecretRequest) =>
    hiddenPrompt(req.kind === 'key-passphrase' ? `Passphrase for ${req.keyPath}: ` : `sudo password for ${req.user} (used for every host that needs one): `);
}

export async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  const answer = await new Promise<string>((r) => rl.question(question, r));
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}
