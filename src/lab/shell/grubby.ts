// grubby over BLS entries (/boot/loader/entries/*.conf) and grubenv's saved_entry, printing like
// the grubby-bls of RHEL 8 / Alibaba Cloud Linux 3. Also used by the host at boot (bootEntry).

import { defineCommand, type Command, type ExecResult, type IFileSystem } from 'just-bash';
import { ENTRIES_DIR, GRUBENV } from '../vfs/disk.js';
import { grubBootSelection } from './grubenv.js';

export interface BlsEntry {
  file: string;
  fields: Map<string, string>;
  release: string;
}

const out = (stdout: string, stderr = '', exitCode = 0): ExecResult => ({ stdout, stderr, exitCode });

function cmpRelease(a: string, b: string): number {
  const ta = a.indexOf('~');
  const tb = b.indexOf('~');
  if (ta >= 0 || tb >= 0) {
    const c = cmpRelease(ta >= 0 ? a.slice(0, ta) : a, tb >= 0 ? b.slice(0, tb) : b);
    if (c !== 0) return c;
    if (ta >= 0 && tb >= 0) return a < b ? -1 : a > b ? 1 : 0;
    return ta >= 0 ? -1 : 1;
  }
  const pa = a.split(/[.\-+]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  const pb = b.split(/[.\-+]/).map((x) => (/^\d+$/.test(x) ? Number(x) : x));
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i];
    const y = pb[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : 1;
  }
  return 0;
}

export async function readEntries(fs: IFileSystem): Promise<BlsEntry[]> {
  const names = (await fs.readdir(ENTRIES_DIR)).filter((n) => n.endsWith('.conf'));
  const entries: BlsEntry[] = [];
  for (const n of names) {
    const text = await fs.readFile(`${ENTRIES_DIR}/${n}`);
    const fields = new Map<string, string>();
    for (const line of text.split('\n')) {
      const m = /^(\S+)\s+(.*)$/.exec(line.trim());
      if (m) fields.set(m[1]!, m[2]!);
    }
    entries.push({ file: `${ENTRIES_DIR}/${n}`, fields, release: fields.get('version') ?? '' });
  }
  return entries.sort((a, b) => cmpRelease(b.release, a.release));
}

function serializeEntry(e: BlsEntry): string {
  return [...e.fields].map(([k, v]) => `${k} ${v}`).join('\n') + '\n';
}

export function splitOptions(options: string): { root: string; args: string[] } {
  const words = options.split(/\s+/).filter(Boolean);
  const root = words.find((w) => w.startsWith('root='))?.slice(5) ?? '';
  return { root, args: words.filter((w) => !w.startsWith('root=')) };
}

export async function defaultIndex(fs: IFileSystem, entries: BlsEntry[]): Promise<number> {
  let saved = '';
  try {
    saved = /^saved_entry=(.*)$/m.exec(await fs.readFile(GRUBENV))?.[1] ?? '';
  } catch {
    /* no grubenv: the first entry */
  }
  const i = entries.findIndex((e) => e.fields.get('id') === saved);
  return i < 0 ? 0 : i;
}

/** An entry named as GRUB's blscfg names it: its id, its title, or its index. */
export function findEntry(entries: BlsEntry[], selector: string): number {
  if (/^\d+$/.test(selector)) return Number(selector) < entries.length ? Number(selector) : -1;
  const byId = entries.findIndex((e) => e.fields.get('id') === selector);
  return byId >= 0 ? byId : entries.findIndex((e) => e.fields.get('title') === selector);
}

/** The entry the machine boots (GRUB's next_entry once, else saved_entry; an unknown name falls
 *  back to the first entry, as GRUB does), and its kernel command line as /proc/cmdline shows it.
 *  With `atBoot`, GRUB's one-shot is consumed (next_entry cleared in grubenv). */
export async function bootEntry(fs: IFileSystem, atBoot = false): Promise<{ entry: BlsEntry; cmdline: string; oneShot: boolean }> {
  const entries = await readEntries(fs);
  let index = await defaultIndex(fs, entries);
  let oneShot = false;
  if (atBoot) {
    const sel = await grubBootSelection(fs, GRUBENV, 'saved');
    index = Math.max(0, findEntry(entries, sel.selector));
    oneShot = sel.oneShot;
  }
  const entry = entries[index]!;
  const { root, args } = splitOptions(entry.fields.get('options') ?? '');
  return { entry, oneShot, cmdline: [`BOOT_IMAGE=(hd0,gpt2)${entry.fields.get('linux') ?? ''}`, `root=${root}`, ...args].join(' ') };
}

function info(e: BlsEntry, index: number): string {
  const { root, args } = splitOptions(e.fields.get('options') ?? '');
  const initrd = (e.fields.get('initrd') ?? '').replace(/\s*\$tuned_initrd/, '');
  return [
    `index=${index}`,
    `kernel="/boot${e.fields.get('linux') ?? ''}"`,
    `args="${args.join(' ')}"`,
    `root="${root}"`,
    `initrd="/boot${initrd}"`,
    `title="${e.fields.get('title') ?? ''}"`,
    `id="${e.fields.get('id') ?? ''}"`,
  ].join('\n');
}

function keyOf(arg: string): string {
  const i = arg.indexOf('=');
  return i < 0 ? arg : arg.slice(0, i);
}

/** grubby's update: --remove-args first (by key, or exact when given with a value), then --args (replace by key, else append). */
export function updateArgs(args: string[], add: string[], remove: string[]): string[] {
  let next = args.filter((a) => !remove.some((r) => (r.includes('=') ? a === r : keyOf(a) === r)));
  for (const a of add) {
    const i = next.findIndex((x) => keyOf(x) === keyOf(a));
    if (i >= 0) next[i] = a;
    else next = [...next, a];
  }
  return next;
}

export function grubbyCommand(): Command {
  return defineCommand('grubby', async (argv, ctx) => {
    const opts = new Map<string, string>();
    const flags = new Set<string>();
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const m = /^--([a-z-]+)(?:=(.*))?$/s.exec(a);
      if (!m) return out('', `grubby: bad argument ${a}\n`, 1);
      const name = m[1]!;
      const takes = ['info', 'update-kernel', 'args', 'remove-args', 'set-default', 'set-default-index', 'remove-kernel', 'add-kernel', 'title', 'initrd'].includes(name);
      if (!takes) flags.add(name);
      else opts.set(name, m[2] ?? argv[++i] ?? '');
    }
    const fs = ctx.fs;
    let entries: BlsEntry[];
    try {
      entries = await readEntries(fs);
    } catch {
      return out('', 'grubby: error reading BLS entries\n', 1);
    }
    const defIdx = await defaultIndex(fs, entries);
    const select = (spec: string): number[] | string => {
      if (spec === 'ALL') return entries.map((_, i) => i);
      if (spec === 'DEFAULT') return [defIdx];
      if (/^\d+$/.test(spec)) return Number(spec) < entries.length ? [Number(spec)] : `The param ${spec} is incorrect`;
      // grubby-bls selects every entry of that kernel image (a copy of an entry included).
      const all = entries.flatMap((e, i) => (`/boot${e.fields.get('linux')}` === spec || e.fields.get('linux') === spec ? [i] : []));
      return all.length === 0 ? `The param ${spec} is incorrect` : all;
    };
    if (flags.has('default-kernel')) return out(`/boot${entries[defIdx]?.fields.get('linux') ?? ''}\n`);
    if (flags.has('default-index')) return out(`${defIdx}\n`);
    if (flags.has('default-title')) return out(`${entries[defIdx]?.fields.get('title') ?? ''}\n`);
    if (opts.has('info')) {
      const sel = select(opts.get('info')!);
      if (typeof sel === 'string') return out('', sel + '\n', 1);
      // Real grubby-bls prints the entries back to back, without a blank line between them.
      return out(sel.map((i) => info(entries[i]!, i)).join('\n') + '\n');
    }
    if (opts.has('set-default') || opts.has('set-default-index')) {
      const sel = opts.has('set-default') ? select(opts.get('set-default')!) : select(opts.get('set-default-index')!);
      if (typeof sel === 'string') return out('', sel + '\n', 1);
      const e = entries[sel[0]!]!;
      try {
        const env = await fs.readFile(GRUBENV);
        await fs.writeFile(GRUBENV, env.replace(/^saved_entry=.*$/m, `saved_entry=${e.fields.get('id') ?? ''}`));
      } catch (err) {
        return out('', `grubby: ${(err as Error).message}\n`, 1);
      }
      return out(`The default is ${e.file} with index ${sel[0]} and kernel /boot${e.fields.get('linux')}\n`);
    }
    if (opts.has('update-kernel')) {
      const sel = select(opts.get('update-kernel')!);
      if (typeof sel === 'string') return out('', sel + '\n', 1);
      const add = (opts.get('args') ?? '').split(/\s+/).filter(Boolean);
      const remove = (opts.get('remove-args') ?? '').split(/\s+/).filter(Boolean);
      for (const i of sel) {
        const e = entries[i]!;
        const { root, args } = splitOptions(e.fields.get('options') ?? '');
        e.fields.set('options', [`root=${root}`, ...updateArgs(args, add, remove)].join(' '));
        try {
          await fs.writeFile(e.file, serializeEntry(e));
        } catch (err) {
          const code = (err as { code?: string }).code;
          return out('', `grubby: ${code === 'EACCES' ? `Can't write ${e.file}: Permission denied` : (err as Error).message}\n`, 1);
        }
      }
      return out('');
    }
    if (opts.has('add-kernel')) return addKernel(fs, entries, defIdx, opts, flags);
    if (opts.has('remove-kernel')) {
      const spec = opts.get('remove-kernel')!;
      const sel = spec.startsWith('TITLE=') ? entries.flatMap((e, i) => (e.fields.get('title') === spec.slice(6) ? [i] : [])) : select(spec);
      if (typeof sel === 'string' || sel.length === 0) return out('', `The param ${spec} is incorrect\n`, 1);
      for (const i of sel) await fs.rm(entries[i]!.file, { force: true });
      return out('');
    }
    return out('', 'grubby: no action specified\n', 1);
  });
}

/** grubby --add-kernel=KERNEL --title=T [--copy-default] [--args=..] [--initrd=..] [--make-default]:
 *  a new BLS entry. grubby-bls names it MACHINE_ID-VERSION.conf, or MACHINE_ID-VERSION~custom.conf
 *  when that file exists (the copy of an installed kernel's entry); with --copy-default its options
 *  (and, without --initrd, its initrd) are the default entry's, then --args is applied. */
async function addKernel(fs: IFileSystem, entries: BlsEntry[], defIdx: number, opts: Map<string, string>, flags: Set<string>): Promise<ExecResult> {
  const kernel = opts.get('add-kernel')!;
  const title = opts.get('title');
  const release = kernel.replace(/^.*\/vmlinuz-/, '');
  if (!(await fs.exists(`/boot/vmlinuz-${release}`))) return out('', `The ${release} kernel isn't installed in the machine\n`, 1);
  if (!title) return out('', 'The kernel title must be specified\n', 1);
  const machineId = (await fs.readFile('/etc/machine-id')).trim();
  let version = release;
  if (await fs.exists(`${ENTRIES_DIR}/${machineId}-${version}.conf`)) version = `${release}~custom`;
  let n = 0;
  while (await fs.exists(`${ENTRIES_DIR}/${machineId}-${version}.conf`)) version = `${release}~custom${++n}`;
  const def = entries[defIdx];
  const base = flags.has('copy-default') && def ? splitOptions(def.fields.get('options') ?? '') : { root: '', args: [] as string[] };
  const add = (opts.get('args') ?? '').split(/\s+/).filter(Boolean);
  const root = add.find((a) => a.startsWith('root='))?.slice(5) ?? base.root;
  const options = [...(root ? [`root=${root}`] : []), ...updateArgs(base.args, add.filter((a) => !a.startsWith('root=')), [])].join(' ');
  const initrd = opts.has('initrd') ? opts.get('initrd')!.replace(/^\/boot/, '') : flags.has('copy-default') && def ? def.fields.get('initrd') ?? '' : '';
  const id = `${machineId}-${version}`;
  const e: BlsEntry = {
    file: `${ENTRIES_DIR}/${id}.conf`,
    release: version,
    fields: new Map([
      ['title', title],
      ['version', version],
      ['linux', `/vmlinuz-${release}`],
      ...(initrd ? ([['initrd', initrd]] as [string, string][]) : []),
      ['options', options],
      ['id', id],
      ['grub_users', '$grub_users'],
      ['grub_arg', '--unrestricted'],
      ['grub_class', 'kernel'],
    ]),
  };
  try {
    await fs.writeFile(e.file, serializeEntry(e));
    if (flags.has('make-default')) {
      const env = await fs.readFile(GRUBENV);
      await fs.writeFile(GRUBENV, env.replace(/^saved_entry=.*$/m, `saved_entry=${id}`));
    }
  } catch (err) {
    return out('', `grubby: ${(err as Error).message}\n`, 1);
  }
  return out('');
}
