// The file system one shell session sees: /sys and /proc come from the booted kernel (pseudo.ts),
// /dev/null is a sink, everything else is the host's persistent disk (an InMemoryFs). It enforces
// the session user's permissions, turns kernel store errors into errno, and records every write
// attempt in the host's audit trail.
//
// Redirection targets are "armed" by the shell transform (shell/transform.ts): a rejected write to
// an armed path does not throw (which would abort the whole just-bash exec) but is kept as the
// session's pending write error, which the transform's status builtin turns into
// "NAME: write error: <strerror>" and exit status 1, like a real shell.

import type { IFileSystem, FsStat, BufferEncoding, CpOptions, FileContent, MkdirOptions, RmOptions, ByteString, InMemoryFs } from 'just-bash';
import { unsafeBytesFromLatin1 } from 'just-bash';

type ReadFileOptions = Exclude<Parameters<IFileSystem['readFile']>[1], BufferEncoding | undefined>;
type WriteFileOptions = Exclude<Parameters<IFileSystem['writeFile']>[2], BufferEncoding | undefined>;
type DirentEntry = Awaited<ReturnType<NonNullable<IFileSystem['readdirWithFileTypes']>>>[number];
import { ERRNO_TEXT, type Errno } from '../kernel/parse.js';
import { lookup, procRoot, sysRoot, type KernelView, type PseudoDir, type PseudoNode } from './pseudo.js';
import { COMMAND_STUBS, commandStub } from './disk.js';

export interface AuditWrite {
  kind: 'write';
  time: number;
  path: string;
  value: string;
  ok: boolean;
  errno?: Errno;
  user: string;
}

export interface SessionState {
  /** 0 for root; sudo flips it for the duration of the command it runs. */
  uid: number;
  user: string;
  armed: Map<string, number>;
  pending: Errno | null;
}

export interface HostFsBackend {
  disk: InMemoryFs;
  kernelView(): KernelView;
  audit(e: AuditWrite): void;
  bootTime(): Date;
}

export class FsError extends Error {
  readonly code: Errno;
  constructor(code: Errno, op: string, path: string) {
    super(`${code}: ${ERRNO_TEXT[code].toLowerCase()}, ${op} '${path}'`);
    this.code = code;
  }
}

const SRE_WRITABLE = ['/home/', '/tmp/', '/var/tmp/', '/dev/null'];
const ROOT_ONLY_READ = ['/root', '/etc/shadow', '/etc/sudoers', '/etc/ssh/ssh_host'];

function norm(p: string): string {
  const out: string[] = [];
  for (const part of p.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return '/' + out.join('/');
}

function text(c: FileContent): string {
  return typeof c === 'string' ? c : Buffer.from(c).toString('latin1');
}

function audited(p: string): boolean {
  return !(p.startsWith('/tmp/') || p.startsWith('/var/tmp/') || p.startsWith('/home/') || p.startsWith('/dev/'));
}

type Route = { kind: 'pseudo'; root: PseudoDir; base: string; rel: string[] } | { kind: 'null' } | { kind: 'stub'; text: string } | { kind: 'disk'; path: string };

export class SessionFs implements IFileSystem {
  private readonly host: HostFsBackend;
  readonly session: SessionState;
  private kview: KernelView | undefined;
  private sysTree: PseudoDir | undefined;
  private procTree: PseudoDir | undefined;

  constructor(host: HostFsBackend, session: SessionState) {
    this.host = host;
    this.session = session;
  }

  private route(path: string, write = false): Route {
    const p = norm(path);
    if (p === '/dev/null' || p === '/dev/zero') return { kind: 'null' };
    for (const base of ['/sys', '/proc']) {
      if (p === base || p.startsWith(base + '/')) {
        return { kind: 'pseudo', root: this.pseudoRoot(base), base, rel: p.slice(base.length).split('/').filter(Boolean) };
      }
    }
    const stub = commandStub(p);
    if (stub !== undefined && !write) return { kind: 'stub', text: stub };
    return { kind: 'disk', path: p };
  }

  /** /sys and /proc as this session sees them: built on first use, then kept for the session (one command). */
  private pseudoRoot(base: '/sys' | '/proc' | string): PseudoDir {
    if (base === '/sys') return (this.sysTree ??= sysRoot(this.view()));
    return (this.procTree ??= procRoot(this.view()));
  }

  private view(): KernelView {
    return (this.kview ??= this.host.kernelView());
  }

  private get root(): boolean {
    return this.session.uid === 0;
  }

  private pseudo(r: Extract<Route, { kind: 'pseudo' }>, follow: boolean, op: string) {
    const res = lookup(r.root, r.base, r.rel, follow, (mode) => this.root || (mode & 0o001) !== 0);
    if (res.errno) throw new FsError(res.errno, op, res.path);
    return res;
  }

  private checkDiskRead(p: string, op: string): void {
    if (!this.root && ROOT_ONLY_READ.some((x) => p === x || p.startsWith(x + '/') || p.startsWith(x))) throw new FsError('EACCES', op, p);
  }

  private checkDiskWrite(p: string, op: string): void {
    if (!this.root && !SRE_WRITABLE.some((x) => p.startsWith(x) || p + '/' === x)) throw new FsError('EACCES', op, p);
  }

  /** The open(O_WRONLY|O_CREAT) check a shell does before running a redirected command (audited when it fails). */
  async openForWrite(path: string): Promise<Errno | null> {
    const errno = await this.checkOpen(path);
    if (errno && audited(norm(path))) this.host.audit({ kind: 'write', time: Date.now(), path: norm(path), value: '', ok: false, errno, user: this.session.user });
    return errno;
  }

  private async checkOpen(path: string): Promise<Errno | null> {
    const r = this.route(path, true);
    let errno: Errno | null = null;
    if (r.kind === 'null') return null;
    if (r.kind === 'pseudo') {
      const res = lookup(r.root, r.base, r.rel, true, (mode) => this.root || (mode & 0o001) !== 0);
      if (res.errno) errno = res.errno;
      else if (!res.node) {
        const parent = lookup(r.root, r.base, r.rel.slice(0, -1), true, () => true);
        errno = parent.node?.type === 'dir' ? 'EACCES' : 'ENOENT';
      } else if (res.node.type === 'dir') errno = 'EISDIR';
      else if (res.node.type === 'file') {
        const m = res.node.mode;
        if (!(m & 0o222) || !res.node.write || (!this.root && !(m & 0o002))) errno = 'EACCES';
      }
    } else if (r.kind === 'disk') {
      const p = r.path;
      const disk = this.host.disk;
      const parent = p.slice(0, p.lastIndexOf('/')) || '/';
      if (!(await disk.exists(parent))) errno = 'ENOENT';
      else if (!(await disk.stat(parent)).isDirectory) errno = 'ENOTDIR';
      else if ((await disk.exists(p)) && (await disk.stat(p)).isDirectory) errno = 'EISDIR';
      else if (!this.root && !SRE_WRITABLE.some((x) => p.startsWith(x))) errno = 'EACCES';
    }
    return errno;
  }

  private async store(path: string, content: FileContent, append: boolean): Promise<void> {
    const r = this.route(path, true);
    const value = text(content);
    if (r.kind === 'null') return;
    const p = norm(path);
    const fail = (errno: Errno) => {
      if (audited(p)) this.host.audit({ kind: 'write', time: Date.now(), path: p, value, ok: false, errno, user: this.session.user });
      if (this.session.armed.has(p)) {
        this.session.pending = errno;
        return;
      }
      throw new FsError(errno, 'write', p);
    };
    if (r.kind === 'pseudo') {
      const opened = await this.checkOpen(p);
      if (opened) return fail(opened);
      if (value === '') return;
      const res = this.pseudo(r, true, 'write');
      const node = res.node;
      if (node?.type !== 'file' || !node.write) return fail('EACCES');
      const errno = node.write(value);
      if (errno) return fail(errno);
      this.host.audit({ kind: 'write', time: Date.now(), path: res.path, value, ok: true, user: this.session.user });
      return;
    }
    try {
      this.checkDiskWrite(p, 'write');
    } catch {
      return fail('EACCES');
    }
    if (append) await this.host.disk.appendFile(p, content);
    else await this.host.disk.writeFile(p, content);
    if (audited(p) && value !== '') this.host.audit({ kind: 'write', time: Date.now(), path: p, value, ok: true, user: this.session.user });
  }

  // ------------------------------------------------------------------ IFileSystem

  async readFile(path: string, options?: ReadFileOptions | BufferEncoding): Promise<string> {
    const r = this.route(path);
    if (r.kind === 'null') return '';
    if (r.kind === 'stub') return r.text;
    if (r.kind === 'pseudo') return this.readPseudo(r);
    this.checkDiskRead(r.path, 'open');
    return this.host.disk.readFile(r.path, options);
  }

  private readPseudo(r: Extract<Route, { kind: 'pseudo' }>): string {
    const res = this.pseudo(r, true, 'open');
    if (!res.node) throw new FsError('ENOENT', 'open', res.path);
    if (res.node.type === 'dir') throw new FsError('EISDIR', 'read', res.path);
    if (res.node.type !== 'file') throw new FsError('ENOENT', 'open', res.path);
    const m = res.node.mode;
    if (!(m & 0o444) || (!this.root && !(m & 0o004))) throw new FsError('EACCES', 'open', res.path);
    return res.node.read();
  }

  private async latin1(path: string): Promise<string> {
    const r = this.route(path);
    if (r.kind === 'null') return '';
    if (r.kind === 'stub') return r.text;
    if (r.kind === 'pseudo') return Buffer.from(this.readPseudo(r), 'utf8').toString('latin1');
    this.checkDiskRead(r.path, 'open');
    return Buffer.from(await this.host.disk.readFileBuffer(r.path)).toString('latin1');
  }

  async readFileBytes(path: string): Promise<ByteString> {
    return unsafeBytesFromLatin1(await this.latin1(path));
  }

  async readFileBuffer(path: string): Promise<Uint8Array> {
    return Buffer.from(await this.latin1(path), 'latin1');
  }

  async writeFile(path: string, content: FileContent, _options?: WriteFileOptions | BufferEncoding): Promise<void> {
    await this.store(path, content, false);
  }

  async appendFile(path: string, content: FileContent, _options?: WriteFileOptions | BufferEncoding): Promise<void> {
    await this.store(path, content, true);
  }

  async exists(path: string): Promise<boolean> {
    try {
      await this.stat(path);
      return true;
    } catch {
      return false;
    }
  }

  private pseudoStat(node: PseudoNode): FsStat {
    const mtime = this.host.bootTime();
    if (node.type === 'dir') return { isFile: false, isDirectory: true, isSymbolicLink: false, mode: node.mode, size: 0, mtime };
    if (node.type === 'link') return { isFile: false, isDirectory: false, isSymbolicLink: true, mode: 0o777, size: node.target.length, mtime };
    return { isFile: true, isDirectory: false, isSymbolicLink: false, mode: node.mode, size: 4096, mtime };
  }

  async stat(path: string): Promise<FsStat> {
    const r = this.route(path);
    if (r.kind === 'null') return { isFile: false, isDirectory: false, isSymbolicLink: false, mode: 0o666, size: 0, mtime: this.host.bootTime() };
    if (r.kind === 'stub') return { isFile: true, isDirectory: false, isSymbolicLink: false, mode: 0o755, size: r.text.length, mtime: this.host.bootTime() };
    if (r.kind === 'pseudo') {
      const res = this.pseudo(r, true, 'stat');
      if (!res.node) throw new FsError('ENOENT', 'stat', res.path);
      return this.pseudoStat(res.node);
    }
    return this.host.disk.stat(r.path);
  }

  async lstat(path: string): Promise<FsStat> {
    const r = this.route(path);
    if (r.kind === 'pseudo') {
      const res = this.pseudo(r, false, 'lstat');
      if (!res.node) throw new FsError('ENOENT', 'lstat', res.path);
      return this.pseudoStat(res.node);
    }
    if (r.kind === 'null' || r.kind === 'stub') return this.stat(path);
    return this.host.disk.lstat(r.path);
  }

  async mkdir(path: string, options?: MkdirOptions): Promise<void> {
    const r = this.route(path, true);
    if (r.kind !== 'disk') {
      if (options?.recursive && (await this.exists(path))) return;
      throw new FsError('EPERM', 'mkdir', norm(path));
    }
    if (options?.recursive && (await this.host.disk.exists(r.path))) return;
    this.checkDiskWrite(r.path, 'mkdir');
    await this.host.disk.mkdir(r.path, options);
  }

  async readdir(path: string): Promise<string[]> {
    const r = this.route(path);
    if (r.kind === 'pseudo') {
      const res = this.pseudo(r, true, 'scandir');
      if (!res.node) throw new FsError('ENOENT', 'scandir', res.path);
      if (res.node.type !== 'dir') throw new FsError('ENOTDIR', 'scandir', res.path);
      if (!this.root && !(res.node.mode & 0o004)) throw new FsError('EACCES', 'scandir', res.path);
      return res.node.list().sort();
    }
    if (r.kind === 'null' || r.kind === 'stub') throw new FsError('ENOTDIR', 'scandir', norm(path));
    this.checkDiskRead(r.path, 'scandir');
    const names = await this.host.disk.readdir(r.path);
    if (r.path === '/bin' || r.path === '/usr/bin') return [...new Set([...names, ...COMMAND_STUBS])].sort();
    return names;
  }

  async readdirWithFileTypes(path: string): Promise<DirentEntry[]> {
    const names = await this.readdir(path);
    const base = norm(path);
    const out: DirentEntry[] = [];
    for (const name of names) {
      const st = await this.lstat(`${base === '/' ? '' : base}/${name}`);
      out.push({ name, isFile: st.isFile, isDirectory: st.isDirectory, isSymbolicLink: st.isSymbolicLink });
    }
    return out;
  }

  async rm(path: string, options?: RmOptions): Promise<void> {
    const r = this.route(path, true);
    if (r.kind !== 'disk') throw new FsError('EPERM', 'rm', norm(path));
    this.checkDiskWrite(r.path, 'rm');
    await this.host.disk.rm(r.path, options);
    if (audited(r.path)) this.host.audit({ kind: 'write', time: Date.now(), path: r.path, value: '<removed>', ok: true, user: this.session.user });
  }

  async cp(src: string, dest: string, options?: CpOptions): Promise<void> {
    const d = this.route(dest, true);
    if (d.kind === 'disk' && this.route(src).kind === 'disk') {
      this.checkDiskRead(norm(src), 'open');
      this.checkDiskWrite(d.path, 'cp');
      await this.host.disk.cp(norm(src), d.path, options);
      return;
    }
    await this.store(dest, await this.readFile(src), false);
  }

  async mv(src: string, dest: string): Promise<void> {
    const s = this.route(src);
    const d = this.route(dest, true);
    if (s.kind !== 'disk' || d.kind !== 'disk') throw new FsError('EPERM', 'rename', norm(src));
    this.checkDiskWrite(s.path, 'rename');
    this.checkDiskWrite(d.path, 'rename');
    await this.host.disk.mv(s.path, d.path);
    if (audited(d.path)) this.host.audit({ kind: 'write', time: Date.now(), path: d.path, value: `<renamed from ${s.path}>`, ok: true, user: this.session.user });
  }

  resolvePath(base: string, path: string): string {
    return norm(path.startsWith('/') ? path : `${base}/${path}`);
  }

  getAllPaths(): string[] {
    return this.host.disk.getAllPaths();
  }

  async chmod(path: string, mode: number): Promise<void> {
    const r = this.route(path, true);
    if (r.kind !== 'disk') throw new FsError('EPERM', 'chmod', norm(path));
    this.checkDiskWrite(r.path, 'chmod');
    await this.host.disk.chmod(r.path, mode);
  }

  async symlink(target: string, linkPath: string): Promise<void> {
    const r = this.route(linkPath, true);
    if (r.kind !== 'disk') throw new FsError('EPERM', 'symlink', norm(linkPath));
    this.checkDiskWrite(r.path, 'symlink');
    await this.host.disk.symlink(target, r.path);
    if (audited(r.path)) this.host.audit({ kind: 'write', time: Date.now(), path: r.path, value: `-> ${target}`, ok: true, user: this.session.user });
  }

  async link(existingPath: string, newPath: string): Promise<void> {
    const r = this.route(newPath, true);
    if (r.kind !== 'disk') throw new FsError('EPERM', 'link', norm(newPath));
    this.checkDiskWrite(r.path, 'link');
    await this.host.disk.link(norm(existingPath), r.path);
  }

  async readlink(path: string): Promise<string> {
    const r = this.route(path);
    if (r.kind === 'pseudo') {
      const res = this.pseudo(r, false, 'readlink');
      if (res.node?.type !== 'link') throw new FsError('EINVAL', 'readlink', res.path);
      return res.node.target;
    }
    if (r.kind === 'null' || r.kind === 'stub') throw new FsError('EINVAL', 'readlink', norm(path));
    return this.host.disk.readlink(r.path);
  }

  async realpath(path: string): Promise<string> {
    const r = this.route(path);
    if (r.kind === 'pseudo') {
      const res = this.pseudo(r, true, 'realpath');
      if (!res.node) throw new FsError('ENOENT', 'realpath', res.path);
      return res.path;
    }
    if (r.kind === 'null') return '/dev/null';
    if (r.kind === 'stub') return norm(path);
    return this.host.disk.realpath(r.path);
  }

  async utimes(path: string, atime: Date, mtime: Date): Promise<void> {
    const r = this.route(path, true);
    if (r.kind !== 'disk') return;
    this.checkDiskWrite(r.path, 'utimes');
    await this.host.disk.utimes(r.path, atime, mtime);
  }
}
