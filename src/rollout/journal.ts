// The run journal: append-only, each record durable (fsynced to a file, or committed in etcd) before
// the engine acts on it, so a controller killed at any point leaves a journal that says where every
// host stood. Replay tolerates a torn last line (the controller died mid-append). Where the records
// live is the state store's business (src/state).
import { readFileSync } from 'node:fs';
import { FileJournalWriter, journalFileOf, parseJournalText, runDirOf, runsDirOf } from '../state/file-store.js';
import { isEtcdState } from '../state/location.js';
import { heldLock, stateStore } from '../state/open.js';
import type { JournalWriter } from '../state/store.js';
import type { HostFacts } from '../facts/types.js';

/** planned -> applied -> staged -> rebooting -> verified | failed | reverted; unchanged = needed nothing. */
export type HostState =
  | 'planned'
  | 'unchanged'
  | 'applied'
  | 'staged'
  | 'rebooting'
  | 'verified'
  | 'failed'
  | 'unreachable'
  | 'reverted'
  | 'refused'
  | 'pending_reboot';

export const TERMINAL: ReadonlySet<HostState> = new Set(['unchanged', 'verified', 'failed', 'unreachable', 'reverted', 'refused', 'pending_reboot']);

export interface RunMeta {
  run: string;
  command: string;
  playbook: { file: string; sha256: string };
  inventory: string[];
  limit: string | null;
  play: string;
  hosts: string[];
  check: boolean;
  options: Record<string, unknown>;
}

export type JournalRecord =
  | ({ t: 'run' } & RunMeta)
  | { t: 'phases'; phases: string[][] }
  | {
      t: 'host';
      host: string;
      state: HostState;
      boot_id?: string;
      fingerprint?: string;
      /** Facts before the run touched the host (recorded once, with 'planned'): what rollback restores. */
      facts_before?: HostFacts;
      rebooted?: boolean;
      detail?: string;
      error?: { code: string; message: string; hint?: string };
    }
  | { t: 'phase'; index: number; state: 'start' | 'applied' | 'soak' | 'wait_promote' | 'promoted' | 'done' | 'halted'; reason?: string }
  | { t: 'reboot'; host: string; stage: 'fire' | 'up' | 'verified' | 'loop' | 'timeout'; boot_id_before?: string; boot_id_after?: string }
  | { t: 'finding'; host: string; phase: number; summary: string }
  /** A trial boot (src/rollout/trial.ts): created (entry and dead man on the host), fired, then
   *  confirmed and promoted, or fell_back (the host came back on the default by itself). */
  | { t: 'trial'; host: string; stage: TrialStage; id: string; entry_id?: string; boot_id_before?: string; boot_id_after?: string; cmdline?: string; detail?: string }
  | { t: 'end'; verdict: string; exit_code: number; reason?: string };

export type Stamped = JournalRecord & { seq: number; ts: string };

export type TrialStage = 'created' | 'fired' | 'confirmed' | 'promoted' | 'fell_back';

export class Journal {
  private readonly w: JournalWriter;
  /**
   * `path` is journalPath(stateDir, run): a file, or a record prefix in etcd. When this process
   * holds the fleet lock on that store, every append is fenced by it (it throws LOCK_LOST once
   * the lock is lost, so the action the record announces never happens).
   */
  constructor(
    readonly path: string,
    startSeq = 0,
    create = false,
  ) {
    const at = splitJournalPath(path);
    this.w = at ? stateStore(at.state).openJournal(at.run, startSeq, heldLock(at.state) ?? null, create) : new FileJournalWriter(path, startSeq, null);
  }
  append(rec: JournalRecord): void {
    this.w.append(rec);
  }
  close(): void {
    this.w.close();
  }
}

export function runsDir(stateDir: string): string {
  return isEtcdState(stateDir) ? `${stateDir}/runs` : runsDirOf(stateDir);
}

export function runDir(stateDir: string, run: string): string {
  return isEtcdState(stateDir) ? `${stateDir}/runs/${run}` : runDirOf(stateDir, run);
}

/** Where a run's journal lives: a file path, or `etcd://.../prefix/runs/RUN/journal.ndjson`. */
export function journalPath(stateDir: string, run: string): string {
  return isEtcdState(stateDir) ? `${stateDir}/runs/${run}/journal.ndjson` : journalFileOf(stateDir, run);
}

function splitJournalPath(path: string): { state: string; run: string } | null {
  const m = /^(.*)[\\/]runs[\\/]([^/\\]+)[\\/]journal\.ndjson$/.exec(path);
  return m ? { state: m[1]!, run: m[2]! } : null;
}

export function newRunId(now = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${now.getUTCFullYear()}${p(now.getUTCMonth() + 1)}${p(now.getUTCDate())}-${p(now.getUTCHours())}${p(now.getUTCMinutes())}${p(now.getUTCSeconds())}`;
  return `${stamp}-${Math.random().toString(36).slice(2, 6)}`;
}

export function createJournal(stateDir: string, meta: RunMeta): Journal {
  const j = new Journal(journalPath(stateDir, meta.run), 0, true);
  j.append({ t: 'run', ...meta });
  return j;
}

export function readJournal(path: string): Stamped[] {
  const at = isEtcdState(path) ? splitJournalPath(path) : null;
  if (at) return stateStore(at.state).readJournal(at.run);
  return parseJournalText(readFileSync(path, 'utf8'), path);
}

export interface HostRecordState {
  state: HostState;
  boot_id?: string;
  facts_before?: HostFacts;
  rebooted: boolean;
  /** Boot id recorded when the reboot was fired (to tell on resume whether it happened). */
  reboot_fired_boot_id?: string;
  error?: { code: string; message: string; hint?: string };
  detail?: string;
  /** The host's latest trial record, when its reboot is a trial boot. */
  trial?: { id: string; stage: TrialStage; entry_id?: string; boot_id_before?: string };
}

export interface RunState {
  meta: RunMeta;
  phases: string[][];
  /** False when the controller died before the phases were recorded (the run must plan them). */
  phasesKnown: boolean;
  hosts: Map<string, HostRecordState>;
  phaseStates: Map<number, string>;
  end: { verdict: string; exit_code: number; reason?: string } | null;
  lastSeq: number;
}

/** Fold the records into where each host and phase stands. */
export function replay(records: Stamped[]): RunState {
  const first = records[0];
  if (!first || first.t !== 'run') throw new Error('journal does not start with a run record');
  const { t: _t, seq: _s, ts: _ts, ...meta } = first;
  const st: RunState = { meta: meta as RunMeta, phases: [], phasesKnown: false, hosts: new Map(), phaseStates: new Map(), end: null, lastSeq: 0 };
  for (const r of records) {
    st.lastSeq = Math.max(st.lastSeq, r.seq);
    switch (r.t) {
      case 'phases':
        st.phases = r.phases;
        st.phasesKnown = true;
        break;
      case 'host': {
        const prev = st.hosts.get(r.host);
        const next: HostRecordState = { ...(prev ?? { rebooted: false }), state: r.state };
        if (r.boot_id) next.boot_id = r.boot_id;
        if (r.facts_before) next.facts_before = r.facts_before;
        if (r.rebooted) next.rebooted = true;
        if (r.error) next.error = r.error;
        else if (!TERMINAL.has(r.state)) delete next.error;
        if (r.detail) next.detail = r.detail;
        st.hosts.set(r.host, next);
        break;
      }
      case 'reboot': {
        const h = st.hosts.get(r.host) ?? { state: 'planned' as HostState, rebooted: false };
        if (r.stage === 'fire' && r.boot_id_before) h.reboot_fired_boot_id = r.boot_id_before;
        if (r.stage === 'up' || r.stage === 'verified') h.rebooted = true;
        st.hosts.set(r.host, h);
        break;
      }
      case 'trial': {
        const h = st.hosts.get(r.host) ?? { state: 'planned' as HostState, rebooted: false };
        const entry = r.entry_id ?? h.trial?.entry_id;
        const before = r.boot_id_before ?? h.trial?.boot_id_before;
        h.trial = { id: r.id, stage: r.stage, ...(entry ? { entry_id: entry } : {}), ...(before ? { boot_id_before: before } : {}) };
        st.hosts.set(r.host, h);
        break;
      }
      case 'phase':
        st.phaseStates.set(r.index, r.state);
        break;
      case 'end':
        st.end = { verdict: r.verdict, exit_code: r.exit_code, ...(r.reason ? { reason: r.reason } : {}) };
        break;
      default:
        break;
    }
  }
  return st;
}

export function listRuns(stateDir: string): string[] {
  return stateStore(stateDir).listRuns();
}

/** Whether the store holds run `run`. */
export function hasRun(stateDir: string, run: string): boolean {
  return stateStore(stateDir).hasRun(run);
}
