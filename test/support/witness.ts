// The witness check (issue 13): after an end-to-end run, compare kfleet's final word about each host
// (its --json host.result events, its recap, its journal, its exit code) with what the lab host
// itself testifies to (src/lab/witness.ts: live parameter values, slab switches, booted command
// line, boot entries, units, its audit trail of writes and boots). This file reads the playbook's
// kfence section on its own terms (the guide's meaning of each key) and never asks src/kernel,
// src/plan or src/facts what the state should be.
//
//   const mark = await witnessMark(lab);            // right before the kfleet command
//   const r = await kfleet([...]);
//   await assertWitness(lab, mark, { exitCode: r.code, events, stdout, journal: { stateDir } }, { kfence });
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { hostWitness, type HostWitness, type Lab, type LabHost } from '../../src/lab/index.js';
import { controlRequest } from '../../src/lab/control.js';
import { journalPath, readJournal, replay, type RunState } from '../../src/rollout/journal.js';
import { checkHost, type Claim } from './witness-rules.js';

export interface WitnessMark {
  at: number;
  hosts: Map<string, { audit: number; witness: HostWitness }>;
}

/** A lab in this process, some of its hosts, or a detached lab (its state dir: read over the control channel). */
export type Hosts = Lab | LabHost[] | { detached: string };

async function testimony(l: Hosts): Promise<HostWitness[]> {
  if ('detached' in l) return (await controlRequest<{ hosts: HostWitness[] }>(l.detached, '/witness')).hosts;
  const hosts = Array.isArray(l) ? l : l.hosts;
  return Promise.all(hosts.map(hostWitness));
}

/** Snapshot every lab host (taken right before the kfleet command whose word is checked). */
export async function witnessMark(lab: Hosts): Promise<WitnessMark> {
  const hosts = new Map<string, { audit: number; witness: HostWitness }>();
  for (const w of await testimony(lab)) hosts.set(w.name, { audit: w.audit.length, witness: w });
  return { at: Date.now(), hosts };
}

export interface KfleetWord {
  exitCode: number | null;
  /** NDJSON events of --json (absent: the run printed text). */
  events?: Array<Record<string, unknown>>;
  /** What the command printed (the recap is read from it). */
  stdout?: string;
  /** The journal of the run (run id from the run.start event when not given). */
  journal?: { stateDir: string; run?: string };
}

export interface WitnessOptions {
  /** The play's kfence section as written in the playbook (the desired state)... */
  kfence?: Record<string, unknown>;
  /** ...or the playbook file to read it from (its first play). */
  playbook?: string;
  /** For hosts kfleet calls `reverted`: the state they must be back to (a mark from before the run being undone; default: this mark). */
  revertedTo?: WitnessMark;
  /** Hosts the test knows faults or its own writes touched (boots/writes not made by kfleet are not held against it). */
  tampered?: string[];
}

const ANSI = /\x1b\[[0-9;]*m/g;

/** The NDJSON events a --json run printed. */
export function eventsOf(stdout: string): Array<Record<string, unknown>> {
  return stdout.split('\n').filter((l) => l.startsWith('{')).flatMap((l) => {
    try {
      return [JSON.parse(l) as Record<string, unknown>];
    } catch {
      return [];
    }
  });
}

/** Host statuses printed in the recap (`  lab-001  changed       rebooted`). */
export function recapStatuses(stdout: string): Map<string, string> {
  const out = new Map<string, string>();
  const text = stdout.replace(ANSI, '');
  const at = text.lastIndexOf('RECAP ');
  if (at < 0) return out;
  for (const line of text.slice(at).split('\n').slice(1)) {
    const m = /^ {2}(\S+) {2,}(ok|changed|failed|unreachable|skipped|refused|pending_reboot|rebooted|reverted)\b/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** Journal host state -> the event statuses that may stand for it. */
const JOURNAL_MEANS: Record<string, string[]> = {
  unchanged: ['ok'],
  verified: ['changed', 'rebooted', 'ok'],
  failed: ['failed'],
  unreachable: ['unreachable', 'failed'],
  reverted: ['reverted'],
  refused: ['refused', 'skipped'],
  pending_reboot: ['pending_reboot'],
};

function readRun(word: KfleetWord): { run: string | null; state: RunState | null } {
  const start = word.events?.find((e) => e.type === 'run.start');
  const fromRecap = /RECAP .*\(run (\S+)\)/.exec((word.stdout ?? '').replace(ANSI, ''))?.[1];
  const run = word.journal?.run ?? (start ? String(start.run) : fromRecap ?? null);
  if (!word.journal || !run) return { run, state: null };
  return { run, state: replay(readJournal(journalPath(word.journal.stateDir, run))) };
}

/** The kfence section of a playbook's first play, as written. */
export function playKfence(file: string): Record<string, unknown> | undefined {
  const doc = parse(readFileSync(file, 'utf8')) as unknown;
  const play = (Array.isArray(doc) ? doc[0] : doc) as Record<string, unknown> | undefined;
  return play?.kfence as Record<string, unknown> | undefined;
}

/** Every disagreement between kfleet's word and the lab's witness (empty = they agree). */
export async function witnessDisagreements(lab: Hosts, mark: WitnessMark, word: KfleetWord, opts: WitnessOptions = {}): Promise<string[]> {
  const out: string[] = [];
  const events = word.events ?? [];
  const check = events.some((e) => e.type === 'run.start' && e.check === true);
  const results = new Map<string, Record<string, unknown>>();
  for (const e of events) if (e.type === 'host.result') results.set(String(e.host), e);
  const recap = word.stdout ? recapStatuses(word.stdout) : new Map<string, string>();
  const { run, state } = readRun(word);
  const kfence = opts.kfence ?? (opts.playbook ? playKfence(opts.playbook) : undefined);
  // The run's own word must agree with itself: events, recap, journal, exit code.
  for (const [h, s] of recap) {
    const ev = results.get(h);
    if (ev && ev.status !== s) out.push(`${h}: the recap says ${s}, the host.result event says ${String(ev.status)}`);
  }
  if (state) {
    if (word.exitCode !== null && state.end && state.end.exit_code !== word.exitCode) out.push(`run ${run}: the journal ends with exit code ${state.end.exit_code}, the process exited ${word.exitCode}`);
    if (word.exitCode !== null && !state.end && !check) out.push(`run ${run}: exited ${word.exitCode} but the journal has no end record`);
    for (const [h, ev] of results) {
      const j = state.hosts.get(h);
      if (!j) out.push(`${h}: reported ${String(ev.status)} but the journal has no record of the host`);
      // (--check: a host that would change stays `planned` in the journal; the event says what would happen.)
      else if (check && j.state === 'planned' && ['changed', 'pending_reboot', 'ok'].includes(String(ev.status))) continue;
      else if (!(JOURNAL_MEANS[j.state] ?? []).includes(String(ev.status))) out.push(`${h}: reported ${String(ev.status)} but the journal says ${j.state}`);
    }
    if (state.end && word.exitCode === 0 && state.end.verdict !== 'converged' && state.end.verdict !== 'checked') out.push(`run ${run}: exit 0 with the journal verdict ${state.end.verdict}`);
  }
  // A host the last process said nothing about (a resumed run) has the journal's word.
  const fromJournal = (j: { state: string; rebooted?: boolean }): string | null =>
    j.state === 'verified' ? (j.rebooted ? 'rebooted' : 'changed') : j.state === 'unchanged' ? 'ok' : (JOURNAL_MEANS[j.state]?.[0] ?? null);
  const statuses = new Map<string, string>();
  for (const [h, j] of state?.hosts ?? []) {
    const s = fromJournal(j);
    if (s) statuses.set(h, s);
  }
  for (const [h, s] of recap) statuses.set(h, s);
  for (const [h, e] of results) statuses.set(h, String(e.status));
  const GOOD = new Set(['ok', 'changed', 'rebooted', 'reverted']);
  if (word.exitCode === 0) for (const [h, s] of statuses) if (!GOOD.has(s)) out.push(`${h}: the run exited 0 but the host is ${s}`);
  if (word.exitCode === 3 && ![...statuses.values()].includes('pending_reboot')) out.push(`exit 3 (pending reboot) but no host is reported pending_reboot`);
  // Each host's claim against the host itself.
  for (const now of await testimony(lab)) {
    const h = { name: now.name, audit: now.audit };
    const m = mark.hosts.get(h.name);
    if (!m) continue;
    const status = statuses.get(h.name);
    const claim: Claim = {
      host: h.name,
      status: status ?? null,
      check,
      steps: events.filter((e) => e.host === h.name && e.type === 'host.step') as Claim['steps'],
      bootArgs: events.filter((e) => e.host === h.name && e.type === 'host.boot_args') as Claim['bootArgs'],
      reboots: events.filter((e) => e.host === h.name && e.type === 'host.reboot').map((e) => String(e.stage)),
      journalRebooted: state?.hosts.get(h.name)?.rebooted ?? null,
      pendingFlag: results.get(h.name)?.pending_reboot === true,
    };
    const before = (opts.revertedTo ?? mark).hosts.get(h.name)?.witness ?? m.witness;
    out.push(...checkHost(claim, { before: m.witness, now, audit: h.audit.slice(m.audit), revertedTo: before, kfence, tampered: opts.tampered?.includes(h.name) ?? false }));
  }
  return out;
}

/** The shared assertion: kfleet's word and the lab's witness agree for every host. */
export async function assertWitness(lab: Hosts, mark: WitnessMark, word: KfleetWord, opts: WitnessOptions = {}): Promise<void> {
  const d = await witnessDisagreements(lab, mark, word, opts);
  assert.deepEqual(d, [], `kfleet's word and the lab's witness disagree:\n  ${d.join('\n  ')}`);
}
