// The state store in a local directory (the default): runs/<run>/journal.ndjson (append-only,
// fsynced), runs/<run>/{abort,promote-N} markers, lock.json, quarantine.json, kernel-log/<host>.json.
// The layout is the one kfleet always used, so existing state directories keep working.
import { statSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, readdirSync, renameSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { JournalRecord, Stamped } from '../rollout/journal.js';
import type { QuarantineEntry } from '../rollout/quarantine.js';
import type { HostLogState } from '../report/log-store.js';
import { FileLock, fileLockStale, lockFile, readLockFile } from './file-lock.js';
import type { AcquireOptions, HeldLock, JournalWriter, LockOwner, StateStore } from './store.js';
import { crashAfterRecord } from './crash-seam.js';

export const runsDirOf = (dir: string) => join(dir, 'runs');
export const runDirOf = (dir: string, run: string) => join(runsDirOf(dir), run);
export const journalFileOf = (dir: string, run: string) => join(runDirOf(dir, run), 'journal.ndjson');
export const quarantineFileOf = (dir: string) => join(dir, 'quarantine.json');
const hostLogFile = (dir: string, host: string) => join(dir, 'kernel-log', `${encodeURIComponent(host)}.json`);

/** Parse a journal file's text; only the very last line may be torn (killed mid-append). */
export function parseJournalText(text: string, where: string): Stamped[] {
  const out: Stamped[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line) as Stamped);
    } catch (e) {
      if (i >= lines.length - 2) break;
      throw new Error(`journal ${where} line ${i + 1} is corrupt: ${(e as Error).message}`);
    }
  }
  return out;
}

export class FileJournalWriter implements JournalWriter {
  private fd: number;
  constructor(
    readonly path: string,
    private seq: number,
    private readonly fence: HeldLock | null,
  ) {
    this.fd = openSync(path, 'a');
  }
  append(rec: JournalRecord): void {
    // Fenced: the record (and so the action that follows it) only while this run holds the lock.
    if (this.fence && !this.fence.released) this.fence.assertHeld();
    const line = JSON.stringify({ ...rec, seq: ++this.seq, ts: new Date().toISOString() }) + '\n';
    writeSync(this.fd, line);
    fsyncSync(this.fd);
    crashAfterRecord();
  }
  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      /* already closed */
    }
  }
}

export class FileStore implements StateStore {
  readonly kind = 'dir' as const;
  constructor(readonly dir: string) {}
  get where(): string {
    return this.dir;
  }

  acquireLock(run: string, opts: AcquireOptions): HeldLock {
    return FileLock.acquire(this.dir, run, opts);
  }
  readLock(): LockOwner | null {
    return readLockFile(this.dir);
  }
  isStale(o: LockOwner): boolean {
    return fileLockStale(o);
  }
  lockWhere(): string {
    return lockFile(this.dir);
  }

  openJournal(run: string, startSeq: number, fence: HeldLock | null, create: boolean): JournalWriter {
    if (create) mkdirSync(runDirOf(this.dir, run), { recursive: true });
    return new FileJournalWriter(journalFileOf(this.dir, run), startSeq, fence);
  }
  readJournal(run: string): Stamped[] {
    const p = journalFileOf(this.dir, run);
    return parseJournalText(readFileSync(p, 'utf8'), p);
  }
  journalVersion(run: string): number {
    try {
      return statSync(journalFileOf(this.dir, run)).size;
    } catch {
      return -1;
    }
  }
  hasRun(run: string): boolean {
    return existsSync(journalFileOf(this.dir, run));
  }
  listRuns(): string[] {
    const dir = runsDirOf(this.dir);
    if (!existsSync(dir)) return [];
    return readdirSync(dir).filter((d) => existsSync(join(dir, d, 'journal.ndjson'))).sort();
  }

  readQuarantine(): Record<string, QuarantineEntry> {
    try {
      return JSON.parse(readFileSync(quarantineFileOf(this.dir), 'utf8')) as Record<string, QuarantineEntry>;
    } catch {
      return {};
    }
  }
  private writeQuarantine(all: Record<string, QuarantineEntry>): void {
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${quarantineFileOf(this.dir)}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(all, null, 2) + '\n');
    renameSync(tmp, quarantineFileOf(this.dir));
  }
  quarantineHost(host: string, entry: QuarantineEntry): void {
    this.writeQuarantine({ ...this.readQuarantine(), [host]: entry });
  }
  releaseHost(host: string): boolean {
    const all = this.readQuarantine();
    if (!(host in all)) return false;
    delete all[host];
    this.writeQuarantine(all);
    return true;
  }
  quarantineWhere(): string {
    return quarantineFileOf(this.dir);
  }

  requestAbort(run: string, reason: string): void {
    mkdirSync(runDirOf(this.dir, run), { recursive: true });
    writeFileSync(join(runDirOf(this.dir, run), 'abort'), reason + '\n');
  }
  abortRequested(run: string): boolean {
    return existsSync(join(runDirOf(this.dir, run), 'abort'));
  }
  requestPromote(run: string, phase: number | 'next'): void {
    mkdirSync(runDirOf(this.dir, run), { recursive: true });
    writeFileSync(join(runDirOf(this.dir, run), `promote-${phase}`), new Date().toISOString() + '\n');
  }
  consumePromote(run: string, phase: number): boolean {
    const d = runDirOf(this.dir, run);
    if (existsSync(join(d, `promote-${phase}`))) return true;
    const next = join(d, 'promote-next');
    if (existsSync(next)) {
      renameSync(next, join(d, `promote-${phase}`));
      return true;
    }
    return false;
  }

  /** DIR/KIND/ID.json, replaced atomically. */
  loadRecord(kind: string, id: string): unknown {
    try {
      return JSON.parse(readFileSync(join(this.dir, kind, `${id}.json`), 'utf8')) as unknown;
    } catch {
      return null;
    }
  }
  saveRecord(kind: string, id: string, value: unknown): void {
    mkdirSync(join(this.dir, kind), { recursive: true });
    const p = join(this.dir, kind, `${id}.json`);
    writeFileSync(`${p}.tmp`, JSON.stringify(value, null, 2));
    renameSync(`${p}.tmp`, p);
  }
  recordsWhere(kind: string): string {
    return `the files of ${join(this.dir, kind)}`;
  }

  loadHostLog(host: string): HostLogState | null {
    try {
      return JSON.parse(readFileSync(hostLogFile(this.dir, host), 'utf8')) as HostLogState;
    } catch {
      return null;
    }
  }
  saveHostLog(s: HostLogState): void {
    mkdirSync(join(this.dir, 'kernel-log'), { recursive: true });
    const p = hostLogFile(this.dir, s.host);
    writeFileSync(`${p}.tmp`, JSON.stringify(s));
    renameSync(`${p}.tmp`, p);
  }
}
