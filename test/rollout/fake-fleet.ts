// A scripted fake fleet for driving the rollout engine directly (no lab, no SSH): each fake host
// has a live KFENCE sample interval, a configured boot argument and a booted one; the fake ports
// connect, collect, plan (a small planner over those three numbers), apply and reboot it on a
// virtual clock, so a whole run takes milliseconds. Every write, fire and boot is in the host's
// own audit trail: the witness the tests compare the engine's word with.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventBus, type KfleetEvent } from '../../src/events.js';
import { KfleetError } from '../../src/errors.js';
import type { HostFacts } from '../../src/facts/types.js';
import type { HostPlan } from '../../src/plan/types.js';
import type { Play } from '../../src/playbook/types.js';
import type { HostOutcome } from '../../src/converge/types.js';
import type { ExecResult, HostSession } from '../../src/transport/types.js';
import type { RolloutPorts } from '../../src/rollout/ports.js';
import { REBOOT_MARKER } from '../../src/rollout/reboot.js';
import { createJournal, journalPath, readJournal, replay, type RunState } from '../../src/rollout/journal.js';
import { Ledger } from '../../src/rollout/ledger.js';
import { SessionPool } from '../../src/rollout/sessions.js';
import { runRollout, type RunSummary } from '../../src/rollout/engine.js';
import { play as basePlay } from '../plan/helpers.js';

export interface Script {
  /** The next apply fails (as a rejected write would). */
  applyFails?: boolean;
  /** After a fired reboot the host never comes back. */
  neverReturns?: boolean;
  /** Every boot with KFENCE on the command line panics once (the boot after shows the panic in its previous boot's log). */
  panicsWithKfence?: boolean;
  /** The host crashes (reboots) after this many bug-count reads (a soak's reads); panic: with a KFENCE panic. */
  crashAfterBugReads?: { reads: number; panic: boolean };
  /** Cannot be connected to at all. */
  unreachable?: boolean;
}

export type Audit = { kind: 'write'; what: 'live' | 'args'; value: number } | { kind: 'fire' } | { kind: 'boot'; bootId: string };

let uuidSeq = 0;
const uuid = () => `00000000-0000-4000-8000-${String(++uuidSeq).padStart(12, '0')}`;

export class FakeHost {
  bootId = uuid();
  live = 0;
  args = 0;
  booted = 0;
  up = true;
  downUntil = 0;
  marker: string | null = null;
  prevBootPanic = false;
  /** A reboot already on its way (fired by a controller that died): the host goes down at this time. */
  rebootAt: number | null = null;
  bugReads = 0;
  connects = 0;
  readonly audit: Audit[] = [];
  private sessions: FakeSession[] = [];
  constructor(
    readonly name: string,
    public script: Script,
    private readonly clock: Clock,
  ) {}

  get writes(): number {
    return this.audit.filter((a) => a.kind === 'write').length;
  }
  get fires(): number {
    return this.audit.filter((a) => a.kind === 'fire').length;
  }
  get boots(): number {
    return this.audit.filter((a) => a.kind === 'boot').length;
  }

  /** Change the host by hand (not through kfleet): not in the audit trail of kfleet's writes. */
  byHand(live: number): void {
    this.live = live;
  }

  goDown(forMs: number): void {
    this.up = false;
    this.downUntil = this.clock.t + forMs;
    for (const s of this.sessions) s.alive = false;
    this.sessions = [];
  }

  /** Boot when the downtime is over (lazily, on the next look). */
  tick(): void {
    if (this.up && this.rebootAt !== null && this.clock.t >= this.rebootAt) {
      this.rebootAt = null;
      this.goDown(1000);
    }
    if (this.up || this.clock.t < this.downUntil) return;
    this.bootOnce();
    if (this.script.panicsWithKfence && this.booted !== 0) {
      // That boot panicked at once: the one after carries the panic in its previous boot's log.
      this.panicLogNextBoot = true;
      this.bootOnce();
    }
  }

  private bootOnce(): void {
    this.up = true;
    this.bootId = uuid();
    this.marker = null;
    this.booted = this.args;
    this.live = this.booted;
    this.prevBootPanic = this.panicLogNextBoot;
    this.panicLogNextBoot = false;
    this.audit.push({ kind: 'boot', bootId: this.bootId });
  }

  private panicLogNextBoot = false;

  /** The host crashes now and boots again 300 ms later; panic: the crash was a KFENCE panic. */
  crash(panic: boolean): void {
    this.panicLogNextBoot = panic;
    this.goDown(300);
  }

  connect(): FakeSession {
    this.tick();
    if (this.script.unreachable || !this.up) throw new KfleetError('UNREACHABLE', `${this.name}: connection refused`);
    this.connects++;
    const s = new FakeSession(this);
    this.sessions.push(s);
    return s;
  }

  cmdline(): string {
    return this.booted ? `ro kfence.sample_interval=${this.booted}` : 'ro';
  }

  facts(): HostFacts {
    return {
      host: this.name,
      boot_id: this.bootId,
      kernel: { release: 'fake-1.0' },
      cmdline: this.cmdline(),
      grubby: { entries: [] },
      boot_unit: { installed: false, hash: null },
      fake: { live: this.live, args: this.args, booted: this.booted },
    } as unknown as HostFacts;
  }
}

class FakeSession implements HostSession {
  alive = true;
  constructor(private readonly h: FakeHost) {}
  get host(): string {
    return this.h.name;
  }
  async exec(command: string): Promise<ExecResult> {
    await Promise.resolve();
    this.h.tick();
    if (!this.alive) throw new KfleetError('CONNECTION_LOST', `${this.h.name}: connection lost`);
    const out = (stdout: string): ExecResult => ({ code: 0, stdout, stderr: '' } as ExecResult);
    if (command.startsWith('cat /proc/sys/kernel/random/boot_id') && command.includes(REBOOT_MARKER)) return out(`${this.h.bootId}\n${this.h.marker ?? ''}\n`);
    if (command === 'cat /proc/sys/kernel/random/boot_id') return out(`${this.h.bootId}\n`);
    if (command.includes('journalctl -k -b -1')) return out(this.h.prevBootPanic ? 'BUG: KFENCE: use-after-free read in test_func+0x1/0x2\nKernel panic - not syncing: kfence.fault=panic set ...\n' : '');
    // The soak's KFENCE read (src/report/kfence-read.ts): boot id, uptime, release, cmdline, interval;
    // stats and log unreadable here (the gate is blind, which `kfence_bugs: report` only reports).
    if (command.includes('/proc/uptime')) {
      const c = this.h.script.crashAfterBugReads;
      if (c && ++this.h.bugReads > c.reads) {
        const { crashAfterBugReads: _done, ...rest } = this.h.script;
        this.h.script = rest;
        this.h.crash(c.panic);
        throw new KfleetError('CONNECTION_LOST', `${this.h.name}: connection lost`);
      }
      return out(`${this.h.bootId}\n1\nfake-1.0\n${this.h.cmdline()}\n${this.h.live}\n`);
    }
    if (command.startsWith('PATH=/usr/sbin')) return out(`${this.h.bootId}\n${this.h.cmdline()}\nnounit\n`);
    return out('');
  }
  async fire(): Promise<void> {
    if (!this.alive) throw new KfleetError('CONNECTION_LOST', `${this.h.name}: connection lost`);
    this.h.audit.push({ kind: 'fire' });
    this.h.marker = 'fired';
    this.h.goDown(this.h.script.neverReturns ? Number.POSITIVE_INFINITY : 1000);
  }
  async close(): Promise<void> {
    this.alive = false;
  }
}

export class Clock {
  t = 1_000_000;
}

export type Want = { value: number; via: 'live' | 'boot' };

/** The fake planner: bring `live` (via live) or `args` + `booted` (via boot) to the wanted value. */
export function fakePlan(want: Want, facts: HostFacts): HostPlan {
  const f = (facts as unknown as { fake: { live: number; args: number; booted: number } }).fake;
  const live = want.via === 'live' && f.live !== want.value;
  const args = want.via === 'boot' && f.args !== want.value;
  const reboot = want.via === 'boot' && f.booted !== want.value;
  return {
    host: facts.host,
    fingerprint: `${facts.host}:${f.live}/${f.args}/${f.booted}`,
    release: 'fake-1.0',
    changes: live ? [{ knob: 'sample_interval', before: String(f.live), after: String(want.value) }] : [],
    runtime: live ? [{ knob: 'sample_interval', path: '/sys/module/kfence/parameters/sample_interval', value: String(want.value) }] : [],
    boot: args ? { kernels: ['fake'], add: [`kfence.sample_interval=${want.value}`], remove: [], entries: [] } : null,
    unit: null,
    reboot: { required: reboot, reasons: reboot ? [`kfence.sample_interval=${want.value} takes effect at boot`] : [] },
    desired_args: {},
    memory_bytes: null,
    warnings: [],
    refused: [],
  } as unknown as HostPlan;
}

export class FakeFleet {
  readonly clock = new Clock();
  readonly hosts: FakeHost[];
  readonly dir = mkdtempSync(join(tmpdir(), 'kfleet-fake-'));
  readonly events: KfleetEvent[] = [];
  readonly bus = new EventBus();
  constructor(
    n: number,
    readonly want: Want = { value: 100, via: 'boot' },
    scripts: Record<number, Script> = {},
  ) {
    this.hosts = Array.from({ length: n }, (_, i) => new FakeHost(`h${String(i + 1).padStart(2, '0')}`, scripts[i + 1] ?? {}, this.clock));
    this.bus.on((e) => this.events.push(e));
  }

  host(name: string): FakeHost {
    return this.hosts.find((h) => h.name === name)!;
  }

  get names(): string[] {
    return this.hosts.map((h) => h.name);
  }

  ports(): RolloutPorts {
    const clock = this.clock;
    return {
      connect: async (name) => this.host(name).connect(),
      tcpOpen: async (name) => {
        const h = this.host(name);
        h.tick();
        return h.up && !h.script.unreachable;
      },
      collect: async (_s, name) => {
        await Promise.resolve();
        return this.host(name).facts();
      },
      plan: (facts) => fakePlan(this.want, facts),
      apply: async (session, plan, opts): Promise<HostOutcome> => {
        const h = this.host(plan.host);
        const base = { host: plan.host, steps: [], boot_args_changed: false, unit_changed: false, ms: 1 };
        if (opts.check) return { ...base, status: 'changed', pending_reboot: plan.reboot.required };
        if (!session.alive) return { ...base, status: 'unreachable', pending_reboot: false, error: { code: 'CONNECTION_LOST', message: 'lost' } };
        if (h.script.applyFails) return { ...base, status: 'failed', pending_reboot: false, error: { code: 'STEP_FAILED', message: 'write error: Invalid argument' } };
        if (plan.runtime.length) {
          h.live = this.want.value;
          h.audit.push({ kind: 'write', what: 'live', value: h.live });
        }
        if (plan.boot) {
          h.args = this.want.value;
          h.audit.push({ kind: 'write', what: 'args', value: h.args });
        }
        return { ...base, status: 'changed', pending_reboot: plan.reboot.required, boot_args_changed: plan.boot !== null };
      },
      sleep: async (ms) => {
        clock.t += ms;
        await new Promise((r) => setImmediate(r));
      },
      now: () => clock.t,
    };
  }

  play(over: { rollout?: Partial<Play['rollout']>; reboot?: Partial<Play['reboot']>; fault?: 'report' | 'panic' } = {}): Play {
    const p = basePlay();
    return {
      ...p,
      kfence: { ...p.kfence, ...(over.fault ? { fault: over.fault } : {}) },
      rollout: { phases: [{ kind: 'percent', percent: 100 }], forks: 10, max_fail_percentage: 0, soak_ms: 0, promote: 'auto', health: { unexpected_reboot: 'fail', kfence_bugs: 'report' }, ...over.rollout },
      reboot: { allowed: true, max_parallel: 10, timeout_ms: 20_000, stable_for_ms: 0, ...over.reboot },
    };
  }

  /** One run of the engine against the fake fleet. */
  async run(play: Play, opts: { resume?: RunState; run?: string; admit?: (host: string, fresh: HostPlan) => HostPlan } = {}): Promise<RunSummary> {
    const run = opts.resume?.meta.run ?? opts.run ?? `run-${++runSeq}`;
    const ports = this.ports();
    const journal = opts.resume ? new (await import('../../src/rollout/journal.js')).Journal(journalPath(this.dir, run), opts.resume.lastSeq) : createJournal(this.dir, { run, command: 'apply', playbook: { file: 'fake.yml', sha256: 'x' }, inventory: [], limit: null, play: play.name, hosts: this.names, check: false, options: {} });
    const pool = new SessionPool(ports);
    try {
      return await runRollout({
        ctx: { run, stateDir: this.dir, play, ports, pool, ledger: new Ledger(journal, this.bus), bus: this.bus, check: false, commandTimeoutMs: 5000, ...(opts.admit ? { admit: opts.admit } : {}) },
        hosts: this.names,
        matches: () => false,
        ...(opts.resume ? { resume: opts.resume } : {}),
      });
    } finally {
      journal.close();
      await pool.closeAll();
    }
  }

  journal(run: string): RunState {
    return replay(readJournal(journalPath(this.dir, run)));
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
let runSeq = 0;
