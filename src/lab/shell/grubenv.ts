// GRUB's environment block (grubenv) and the one-shot boot, as GRUB 2 does them:
// - the block is exactly 1024 bytes: "# GRUB Environment Block\n", NAME=VALUE lines, '#' padding;
// - grub-editenv FILE list|set NAME=VALUE...|unset NAME... edits it ('-' is the default file);
// - grub-reboot ENTRY sets next_entry; grub-set-default ENTRY sets saved_entry (neither checks
//   that the entry exists, as upstream's do not);
// - at boot, 00_header's script loads the block; when next_entry is set it becomes the default
//   for this boot only, and GRUB clears it with save_env before booting (so any later reset
//   returns to saved_entry / GRUB_DEFAULT). The grubby profiles name the block /boot/grub2/grubenv
//   (grub2-* commands), Debian /boot/grub/grubenv (grub-* commands).

import { defineCommand, type Command, type ExecResult, type IFileSystem } from 'just-bash';

export const ENV_BLOCK_SIZE = 1024;
const HEADER = '# GRUB Environment Block\n';
const out = (stdout: string, stderr = '', exitCode = 0): ExecResult => ({ stdout, stderr, exitCode });

export function parseEnvBlock(text: string): Map<string, string> {
  const vars = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i > 0) vars.set(line.slice(0, i), line.slice(i + 1));
  }
  return vars;
}

/** The 1024-byte block; null when the variables do not fit (grub-editenv: "environment block too small"). */
export function serializeEnvBlock(vars: Map<string, string>): string | null {
  const body = HEADER + [...vars].map(([k, v]) => `${k}=${v}\n`).join('');
  if (Buffer.byteLength(body) > ENV_BLOCK_SIZE) return null;
  return body + '#'.repeat(ENV_BLOCK_SIZE - Buffer.byteLength(body));
}

export async function readEnvBlock(fs: IFileSystem, path: string): Promise<Map<string, string>> {
  return (await fs.exists(path)) ? parseEnvBlock(await fs.readFile(path)) : new Map();
}

export async function writeEnvBlock(fs: IFileSystem, path: string, vars: Map<string, string>): Promise<void> {
  const text = serializeEnvBlock(vars);
  if (text === null) throw Object.assign(new Error('environment block too small'), { code: 'ENOSPC' });
  await fs.writeFile(path, text);
}

/** What GRUB boots now: next_entry once (cleared in the block), else the saved or configured default.
 *  Returns the selector string (id, title, index or a>b path) and whether it was the one-shot. */
export async function grubBootSelection(fs: IFileSystem, envPath: string, configuredDefault: string): Promise<{ selector: string; oneShot: boolean }> {
  const vars = await readEnvBlock(fs, envPath);
  const next = vars.get('next_entry') ?? '';
  if (next) {
    vars.set('next_entry', '');
    await writeEnvBlock(fs, envPath, vars);
    return { selector: next, oneShot: true };
  }
  if (configuredDefault === 'saved') return { selector: vars.get('saved_entry') ?? '0', oneShot: false };
  return { selector: configuredDefault, oneShot: false };
}

/** grub-editenv / grub2-editenv, grub-reboot / grub2-reboot, grub-set-default / grub2-set-default. */
export function grubEnvCommands(prefix: 'grub' | 'grub2', envPath: string): Command[] {
  const editenv = `${prefix}-editenv`;
  const needRoot = async (fs: IFileSystem, path: string, vars: Map<string, string>, cmd: string): Promise<ExecResult | null> => {
    try {
      await writeEnvBlock(fs, path, vars);
      return null;
    } catch (e) {
      const code = (e as { code?: string }).code;
      const why = code === 'ENOSPC' ? 'environment block too small' : code === 'EACCES' ? `cannot open \`${path}.new': Permission denied` : (e as Error).message;
      return out('', `${cmd}: error: ${why}.\n`, 1);
    }
  };
  return [
    defineCommand(editenv, async (args, ctx) => {
      const [file, verb, ...rest] = args;
      if (!file || !verb) return out('', `Usage: ${editenv} [OPTION...] FILENAME COMMAND\n`, 64);
      const path = file === '-' ? envPath : file;
      const vars = await readEnvBlock(ctx.fs, path);
      if (verb === 'list') return out([...vars].map(([k, v]) => `${k}=${v}\n`).join(''));
      if (verb === 'create') return (await needRoot(ctx.fs, path, new Map(), editenv)) ?? out('');
      if (verb === 'set') {
        for (const a of rest) {
          const i = a.indexOf('=');
          if (i <= 0) return out('', `${editenv}: error: invalid parameter ${a}.\n`, 1);
          vars.set(a.slice(0, i), a.slice(i + 1));
        }
      } else if (verb === 'unset') {
        for (const a of rest) vars.delete(a);
      } else return out('', `${editenv}: error: unknown command \`${verb}'.\n`, 1);
      return (await needRoot(ctx.fs, path, vars, editenv)) ?? out('');
    }),
    defineCommand(`${prefix}-reboot`, async (args, ctx) => {
      const entry = args.filter((a) => !a.startsWith('--'))[0];
      if (!entry) return out('', `${prefix}-reboot: error: menu entry not specified.\n`, 1);
      const vars = await readEnvBlock(ctx.fs, envPath);
      vars.set('next_entry', entry);
      return (await needRoot(ctx.fs, envPath, vars, `${prefix}-reboot`)) ?? out('');
    }),
    defineCommand(`${prefix}-set-default`, async (args, ctx) => {
      const entry = args.filter((a) => !a.startsWith('--'))[0];
      if (!entry) return out('', `${prefix}-set-default: error: menu entry not specified.\n`, 1);
      const vars = await readEnvBlock(ctx.fs, envPath);
      vars.set('saved_entry', entry);
      return (await needRoot(ctx.fs, envPath, vars, `${prefix}-set-default`)) ?? out('');
    }),
  ];
}
