// Asking for a secret on the terminal without echoing it. Only used when stdin is a TTY; the
// answer is returned to the transport's credential store and never written anywhere.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import type { SecretRequest, SecretSource } from '../transport/credentials.js';

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

export function terminalSecretSource(): SecretSource | undefined {
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
