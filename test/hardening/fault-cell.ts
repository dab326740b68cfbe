// One cell of the fault matrix (issue 9 part 5): a 2-host lab in this process, a boot-time
// rollout as a child process (`kfleet apply --json`), one lab fault put on lab-001 at one rollout
// point (seen on the child's event stream), then the journal read back and `kfleet rollback RUN`
// run once the fault is cleared. Returns what happened; the test file judges it.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { startLab, type Lab } from '../../src/lab/index.js';
import type { BootFault, FaultKind, FaultOptions } from '../../src/lab/host.js';
import { journalPath, readJournal, replay, type Stamped } from '../../src/rollout/journal.js';
import { spawnCli } from './support.js';
import { witnessDisagreements, witnessMark } from '../support/witness.js';

export type Point = 'probe' | 'apply' | 'reboot' | 'verify' | 'soak';
export const POINTS: readonly Point[] = ['probe', 'apply', 'reboot', 'verify', 'soak'];
// The trial's boot faults (boot-panic, boot-hang, no-sshd, network-down) are test/trial's matrix.
export type Fault = Exclude<FaultKind, 'none' | BootFault>;
export const FAULTS: readonly Fault[] = ['no-return', 'slow-return', 'new-host-key', 'boot-loop', 'drop-connections', 'cut-mid-command', 'slow-command'];
/** Faults that act when the host boots: at verify and soak the host is already up, so it also crashes (an unexpected reboot). */
export const BOOT_FAULTS: ReadonlySet<Fault> = new Set(['no-return', 'slow-return', 'new-host-key', 'boot-loop']);

export const TIMINGS = { commandTimeoutS: 4, connectTimeoutS: 3, rebootTimeoutS: 6, soakMs: 1500, stableForMs: 1500, downtimeMs: 150 };
const FAULT_OPTS: Record<Fault, FaultOptions> = {
  'no-return': {},
  'slow-return': { ms: 2500 }, // inside reboot.timeout: a slow boot, not a lost host
  'new-host-key': {},
  'boot-loop': { ms: 1000 }, // with fault=panic, every boot panics 1 s in
  'drop-connections': {},
  'cut-mid-command': { ms: 30 },
  'slow-command': { ms: 6000 }, // over --command-timeout
};

/** The trigger: the first event at which the fault goes on. */
function triggerAt(point: Point, e: Record<string, unknown>): boolean {
  switch (point) {
    case 'probe':
      return false; // set before the run starts
    case 'apply':
      return e.type === 'phase.start'; // every host probed and planned, nothing written yet
    case 'reboot':
      return e.type === 'host.reboot' && e.host === 'lab-001' && e.stage === 'fire';
    case 'verify':
      return e.type === 'host.reboot' && e.host === 'lab-001' && e.stage === 'up';
    case 'soak':
      return e.type === 'phase.soak';
  }
}

export interface HostEnd {
  status: string;
  code?: string;
}

export interface CellResult {
  fault: Fault;
  point: Point;
  triggered: boolean;
  exit: number;
  verdict: string;
  /** Last host.result per host. */
  hosts: Record<string, HostEnd>;
  ms: number;
  journal: { records: number; lastType: string; endVerdict: string | null; endExit: number | null; replayError?: string };
  resume: { exit: number; said: string } | null;
  rollback: { exit: number; restored: boolean; detail: string; ms: number } | null;
  bootsFaulted: number;
  stderr: string;
  /** Disagreements between kfleet's word and the lab's witness: the apply run, then the rollback. */
  witness: string[];
}

export const PLAY = (soakMs: number) => ({
  name: 'fault matrix',
  hosts: 'lab',
  kfence: { mode: 'sampling', sample_interval: 200, apply: 'both', fault: 'panic', acknowledge_panic: true },
  rollout: { phases: ['100%'], forks: 2, max_fail_percentage: 100, soak: `${soakMs}ms`, health: { unexpected_reboot: 'fail', kfence_bugs: 'report' } },
  reboot: { allowed: true, max_parallel: 2, timeout: `${TIMINGS.rebootTimeoutS}s`, stable_for: `${TIMINGS.stableForMs}ms` },
});

const kfenceArgs = (cmdline: string): string => cmdline.split(/\s+/).filter((t) => t.startsWith('kfence.')).sort().join(' ');

export async function runCell(fault: Fault, point: Point): Promise<CellResult> {
  const dir = mkdtempSync(join(tmpdir(), `kfleet-fm-${fault}-${point}-`));
  const lab: Lab = await startLab({ hosts: 2, profile: 'alinux-5.10.134-17', downtimeMs: TIMINGS.downtimeMs, stateDir: join(dir, 'lab') });
  try {
    const pb = join(dir, 'play.yml');
    writeFileSync(pb, stringify(PLAY(TIMINGS.soakMs)));
    const stateDir = join(dir, 'state');
    const common = ['-i', lab.inventoryPath, '--known-hosts', lab.knownHostsPath, '--state-dir', stateDir, '--connect-timeout', String(TIMINGS.connectTimeoutS), '--command-timeout', String(TIMINGS.commandTimeoutS)];
    const h = lab.host('lab-001');
    const before = new Map(lab.hosts.map((x) => [x.name, { args: kfenceArgs(x.cmdline()), interval: x.kfence().sampleInterval }]));
    const bootsBefore = h.bootCount;
    let triggered = false;
    const arm = (): void => {
      triggered = true;
      h.fault(fault, FAULT_OPTS[fault]);
      if ((point === 'verify' || point === 'soak') && BOOT_FAULTS.has(fault)) void h.crash();
    };
    if (point === 'probe') arm();
    const seen = await witnessMark(lab);
    const t0 = Date.now();
    const r = await spawnCli(['apply', pb, ...common, '--yes', '--json'], {
      timeoutMs: 90_000,
      onEvent: (e) => {
        if (!triggered && triggerAt(point, e)) arm();
      },
    });
    const ms = Date.now() - t0;
    const witness = (await witnessDisagreements(lab, seen, { exitCode: r.code, events: r.events, stdout: r.stdout, journal: { stateDir } }, { playbook: pb })).map((d) => `apply: ${d}`);
    const bootsFaulted = h.bootCount - bootsBefore;
    const hosts: Record<string, HostEnd> = {};
    for (const e of r.events) {
      if (e.type !== 'host.result') continue;
      const err = e.error as { code?: string } | undefined;
      hosts[String(e.host)] = { status: String(e.status), ...(err?.code ? { code: err.code } : {}) };
    }
    const runEnd = r.events.find((e) => e.type === 'run.end');
    const run = String(r.events.find((e) => e.type === 'run.start')?.run ?? '');
    let journal: CellResult['journal'] = { records: 0, lastType: '', endVerdict: null, endExit: null };
    let touched = false;
    try {
      const records: Stamped[] = readJournal(journalPath(stateDir, run));
      const st = replay(records);
      journal = { records: records.length, lastType: records[records.length - 1]?.t ?? '', endVerdict: st.end?.verdict ?? null, endExit: st.end?.exit_code ?? null };
      touched = [...st.hosts.values()].some((x) => x.facts_before && !['unchanged', 'refused', 'planned'].includes(x.state));
    } catch (e) {
      journal.replayError = (e as Error).message;
    }

    // The fault goes away (an operator fixed the host), then rollback puts every touched host back.
    h.fault('none');
    if (fault === 'new-host-key') await lab.writeKnownHosts(); // the operator accepts the new key
    await Promise.race([Promise.all(lab.hosts.map((x) => x.waitUp())), new Promise((res) => setTimeout(res, 15_000))]);
    // --resume answers for a run that ended with its recorded end (only asked where rollback is not:
    // a run that touched nothing).
    let resume: CellResult['resume'] = null;
    if (run && !touched) {
      const rs = await spawnCli(['apply', '--resume', run, ...common, '--json'], { timeoutMs: 60_000 });
      resume = { exit: rs.code, said: String(rs.events.find((e) => e.type === 'info')?.message ?? rs.stderr.trim().split('\n').pop() ?? '') };
    }
    let rollback: CellResult['rollback'] = null;
    if (run && touched) {
      const t1 = Date.now();
      const beforeRollback = await witnessMark(lab);
      const rb = await spawnCli(['rollback', run, ...common, '--json'], { timeoutMs: 90_000 });
      witness.push(...(await witnessDisagreements(lab, beforeRollback, { exitCode: rb.code, events: rb.events, stdout: rb.stdout, journal: { stateDir } }, { revertedTo: seen })).map((d) => `rollback: ${d}`));
      const diffs: string[] = [];
      for (const x of lab.hosts) {
        const b = before.get(x.name)!;
        const now = { args: kfenceArgs(x.cmdline()), interval: x.kfence().sampleInterval };
        if (now.args !== b.args || now.interval !== b.interval) diffs.push(`${x.name}: booted "${now.args}" interval ${now.interval}, before "${b.args}" interval ${b.interval}`);
      }
      const rbEnd = rb.events.find((e) => e.type === 'run.end');
      rollback = { exit: rb.code, restored: diffs.length === 0, detail: diffs.join('; ') || String(rbEnd?.verdict ?? ''), ms: Date.now() - t1 };
      if (rb.code !== 0) rollback.detail += ` ${rb.stderr.trim().slice(-300)} ${JSON.stringify(rb.events.filter((e) => e.type === 'host.result'))}`;
    }
    return {
      fault,
      point,
      triggered,
      exit: r.code,
      verdict: String(runEnd?.verdict ?? ''),
      hosts,
      ms,
      journal,
      resume,
      rollback,
      bootsFaulted,
      stderr: r.stderr.slice(-500),
      witness,
    };
  } finally {
    await lab.stop();
  }
}
