// Credentials: private keys parsed once per run (cache keyed by path, before any network I/O),
// passphrases and the become password from the environment or a prompt the CLI supplies. Secrets
// are held only in memory and never put into messages, events or argv.
import { readFile } from 'node:fs/promises';
import { TransportError } from './errors.js';
import { utils, type ParsedKey } from './ssh2.js';

export type SecretRequest =
  | { kind: 'key-passphrase'; keyPath: string }
  | { kind: 'become-password'; host: string; user: string };

/** Returns the secret, or undefined when none is available. */
export type SecretSource = (req: SecretRequest) => Promise<string | undefined>;

export const ENV_KEY_PASSPHRASE = 'KFLEET_KEY_PASSPHRASE';
export const ENV_BECOME_PASSWORD = 'KFLEET_BECOME_PASSWORD';

/** Environment first (KFLEET_KEY_PASSPHRASE, KFLEET_BECOME_PASSWORD), then the prompt if given. */
export function secretSource(opts: { env?: NodeJS.ProcessEnv; prompt?: SecretSource } = {}): SecretSource {
  const env = opts.env ?? process.env;
  return async (req) => {
    const v = req.kind === 'key-passphrase' ? env[ENV_KEY_PASSPHRASE] : env[ENV_BECOME_PASSWORD];
    if (v !== undefined && v !== '') return v;
    return opts.prompt ? opts.prompt(req) : undefined;
  };
}

/** Parses each key file once per run; concurrent callers share one read and one prompt. */
export class KeyStore {
  private cache = new Map<string, Promise<ParsedKey | null>>();
  private becomeCache: Promise<string | undefined> | undefined;
  constructor(private readonly secrets: SecretSource) {}

  /**
   * The parsed private key at `path`. A missing file is null when `optional` (ssh's default
   * identity list), a KEY_INVALID error otherwise; a wrong or missing passphrase is KEY_INVALID.
   */
  load(path: string, host: string, optional: boolean): Promise<ParsedKey | null> {
    let p = this.cache.get(path);
    if (!p) {
      p = this.parse(path);
      this.cache.set(path, p);
    }
    return p.then(
      (k) => k,
      (e: unknown) => {
        const err = e as { optionalMissing?: boolean; message: string; hint: string };
        if (err.optionalMissing && optional) return null;
        throw new TransportError('KEY_INVALID', host, err.message, err.hint);
      },
    );
  }

  private async parse(path: string): Promise<ParsedKey> {
    let data: Buffer;
    try {
      data = await readFile(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw Object.assign(new Error(`cannot read private key ${path} (${code})`), {
        optionalMissing: code === 'ENOENT',
        hint: 'check ansible_ssh_private_key_file / IdentityFile and the file permissions',
      });
    }
    let key = utils.parseKey(data);
    if (key instanceof Error && /passphrase|encrypted/i.test(key.message)) {
      const pass = await this.secrets({ kind: 'key-passphrase', keyPath: path });
      if (pass === undefined) {
        throw Object.assign(new Error(`private key ${path} is encrypted and no passphrase was given`), {
          hint: `set ${ENV_KEY_PASSPHRASE}, run with a terminal to be prompted, or load the key into ssh-agent (ssh-add)`,
        });
      }
      key = utils.parseKey(data, pass);
      if (key instanceof Error) {
        throw Object.assign(new Error(`cannot decrypt private key ${path}: wrong passphrase`), {
          hint: `check ${ENV_KEY_PASSPHRASE} or the passphrase typed at the prompt`,
        });
      }
    }
    if (key instanceof Error) {
      throw Object.assign(new Error(`cannot parse private key ${path}: ${key.message}`), {
        hint: 'kfleet reads OpenSSH, PEM and PPK private keys; certificates are not supported',
      });
    }
    const first = Array.isArray(key) ? key[0] : key;
    if (!first || !first.isPrivateKey()) {
      throw Object.assign(new Error(`${path} does not hold a private key`), { hint: 'point IdentityFile at the private half of the key pair' });
    }
    return first;
  }

  /** The run-wide become password (environment or prompt), asked at most once. */
  becomePassword(host: string, user: string): Promise<string | undefined> {
    this.becomeCache ??= this.secrets({ kind: 'become-password', host, user });
    return this.becomeCache;
  }
}
