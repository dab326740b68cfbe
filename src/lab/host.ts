// One simulated host: its disk, its booted kernel, its SSH server, its faults and its audit trail.
// State is lazy: an idle host holds a kernel model, a host key and a listening socket; its disk and
// any shell interpreter are created on first use.

import { randomUUID, timingSafeEqual, createHash } from 'node:crypto';
import type { InMemoryFs } from 'just-bash';
import type { ParsedKey } from 'ssh2';
import type { Profile } from './profiles.js';
import { KfenceKernel, GiB, type MemoryLayout } from './kernel/kfence.js';
import { KernelLog } from './kernel/dmesg.js';
import type { BugKind } from './kernel/reports.js';
import { crashDirName, flushedLines, pstoreRecords, vmcoreDmesg } from './kernel/crash-records.js';
import { createDisk, entryId, IMAGE_SYSCTLS, WANTS_DIR, type DiskIdentity } from './vfs/disk.js';
import { SessionFs, type AuditWrite, type HostFsBackend } from './vfs/session-fs.js';
import type { KernelView } from './vfs/pseudo.js';
import type { BecomeMode, BootRecord, LiveIO, ShellHost } from './shell/context.js';
import { runScript, type RunResult } from './shell/run.js';
import { bootEntry } from './shell/grubby.js';
import { grubBoot } from './shell/grub.js';
import { runsInBackground, unitField } from './shell/systemd.js';
import { sysctlFiles } from './shell/sysctl.js';
import { bootSysctls, crashkernelBytes, kernelCommandLineCondition } from './kernel/boot-params.js';
import { HostSshServer, type SshHostPort } from './ssh/server.js';

export type FaultKind = 'no-return' | 'slow-return' | 'new-host-key' | 'boot-loop' | 'drop-connections' | 'cut-mid-command' | 'slow-command' | BootFault | 'none';
/** Faults of a boot (each may be limited to boots whose command line has a word, FaultOptions.cmdline):
 *  boot-panic: a recurring KFENCE bug while the kernel boots (before init): a panic under
 *  kfence fault=panic, with only the command line's panic= (no sysctl.d yet) deciding the reset;
 *  boot-hang: a soft lockup before init: a panic only with softlockup_panic=1, else hung for good;
 *  no-sshd: userspace boots (units run) but sshd never starts (connection refused);
 *  network-down: userspace boots but nothing answers on the network (connections time out). */
export type BootFault = 'boot-panic' | 'boot-hang' | 'no-sshd' | 'network-down';
export const FAULT_KINDS: readonly FaultKind[] = ['no-return', 'slow-return', 'new-host-key', 'boot-loop', 'drop-connections', 'cut-mid-command', 'slow-command', 'boot-panic', 'boot-hang', 'no-sshd', 'network-down', 'none'];

export interface FaultOptions {
  /** slow-return: downtime; slow-command: delay; cut-mid-command: time into the command; boot-loop: uptime before the bug. */
  ms?: number;
  /** boot-loop, boot-panic: the bug that recurs on every boot. */
  bug?: BugKind;
  /** Only boots whose kernel command line has this word (e.g. a trial's token) have the fault. */
  cmdline?: string;
}

export interface AuditBoot {
  kind: 'boot';
  time: number;
  bootId: string;
  cmdline: string;
  reason: 'power-on' | 'reboot' | 'panic' | 'crash';
  /** GRUB booted its one-shot next_entry (grub-reboot), not the default. */
  oneShot?: boolean;
}
export type AuditEntry = AuditWrite | AuditBoot;

export interface HostInit {
  name: string;
  profile: Profile;
  become: BecomeMode;
  sudoPassword: string | undefined;
  memory: MemoryLayout;
  downtimeMs: number;
  hostKey: string;
  clientKey: ParsedKey;
  /** Persist a new host key (new-host-key fault). */
  rotateHostKey: () => string;
}

export class LabHost implements ShellHost, SshHostPort {
  readonly name: string;
  readonly profile: Profile;
  readonly become: BecomeMode;
  readonly audit: AuditEntry[] = [];
  bootCount = 0;
  bootId = '';
  state: 'up' | 'down' = 'down';
  downtimeMs: number;
  readonly fsBackend: HostFsBackend;
  private readonly passwordHash: Buffer | undefined;
  private readonly mem: MemoryLayout;
  private disk: InMemoryFs | undefined;
  private readonly identity: DiskIdentity;
  private kernel!: KfenceKernel;
  private log = new KernelLog();
  private bootRecords: BootRecord[] = [];
  /** pstore records: written at a panic, kept across boots (the platform's storage). */
  readonly pstore: { name: string; text: string }[] = [];
  /** Model a platform with pstore (efi-pstore/ramoops); on by default. */
  pstoreEnabled = true;
  /** Model kdump: a panic leaves /var/crash/<ip>-<date>/vmcore-dmesg.txt; off by default. */
  kdump = false;
  /** persistent: every line of every boot reaches the journal; unflushed: a panic's last instant
   *  is lost from it (as when journald cannot write at the panic); volatile: no previous boots. */
  journalMode: 'persistent' | 'unflushed' | 'volatile' = 'persistent';
  /** How long one kernel second (panic=N, the soft-lockup detector's 20 s) lasts in this lab; 0: no wait. */
  kernelSecondMs = 0;
  /** CONFIG_PANIC_TIMEOUT: kernel.panic before the command line and sysctl.d (0 on RHEL and Debian kernels). */
  configPanicTimeout = 0;
  /** Down for good until power-cycled (a panic with kernel.panic=0, a hang without a panic). */
  hung = false;
  private sysctl = new Map<string, string>();
  private crashMem = { reservedBytes: 0n, loaded: false };
  private running = new Map<string, AbortController>();
  private resetTimer: NodeJS.Timeout | undefined;
  private panics = 0;
  private bootedAt = 0;
  private bootCmdline = '';
  private units = new Map<string, { ok: boolean; output: string }>();
  private readonly faults = new Map<FaultKind, FaultOptions>();
  private readonly ssh: HostSshServer;
  private readonly rotateHostKey: () => string;
  private timers = new Set<NodeJS.Timeout>();
  private stopped = false;
  private seed: number;
  private upWaiters: (() => void)[] = [];

  constructor(init: HostInit) {
    this.name = init.name;
    this.profile = init.profile;
    this.become = init.become;
    this.mem = init.memory;
    this.downtimeMs = init.downtimeMs;
    this.rotateHostKey = init.rotateHostKey;
    this.passwordHash = init.sudoPassword === undefined ? undefined : createHash('sha256').update(init.sudoPassword).digest();
    const h = createHash('sha256').update(init.name).digest('hex');
    this.seed = parseInt(h.slice(0, 8), 16);
    this.identity = { hostname: init.name, machineId: h.slice(0, 32), rootUuid: `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}` };
    const self = this;
    this.fsBackend = {
      get disk() {
        return self.ensureDisk();
      },
      kernelView: () => self.kernelView(),
      audit: (e) => self.audit.push(e),
      bootTime: () => new Date(self.bootedAt),
    };
    this.ssh = new HostSshServer(this, init.hostKey, init.clientKey);
  }

  get port(): number {
    return this.ssh.port;
  }

  /** SSH connections open to this host now. */
  get openConnections(): number {
    return this.ssh.openConnections;
  }

  // ------------------------------------------------------------------ lifecycle

  /** Power on: boot, then listen. */
  async start(port?: number): Promise<void> {
    await this.boot('power-on');
    await this.ssh.listen(port ?? 0);
    this.state = 'up';
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.ssh.endAll();
    this.ssh.resetFrozen();
    await this.ssh.close();
    this.state = 'down';
  }

  private ensureDisk(): InMemoryFs {
    this.disk ??= createDisk(this.profile, this.identity, this.become === 'sudo-password' ? 'sudo-password' : 'sudo-nopasswd');
    return this.disk;
  }

  private rand(): number {
    this.seed = (this.seed * 1103515245 + 12345) & 0x7fffffff;
    return this.seed / 0x80000000;
  }

  /** Boot from GRUB's choice; 'up' when userspace runs, 'down' when the boot ended in a panic or a hang. */
  private async boot(reason: AuditBoot['reason']): Promise<'up' | 'down'> {
    const now = Date.now();
    const prev = this.bootRecords[this.bootRecords.length - 1];
    if (prev) prev.endedAt = now;
    this.bootCount++;
    this.bootId = randomUUID();
    this.bootedAt = now;
    this.log = new KernelLog();
    this.bootRecords.push({ bootId: this.bootId, startedAt: now, log: this.log });
    if (this.bootRecords.length > 8) this.bootRecords.shift();
    this.units = new Map();
    // /run is a tmpfs: nothing written there survives a boot.
    if (this.disk && (await this.disk.exists('/run'))) {
      for (const name of await this.disk.readdir('/run')) await this.disk.rm(`/run/${name}`, { recursive: true, force: true });
    }
    for (const ac of this.running.values()) ac.abort();
    this.running.clear();
    const chosen = !this.disk ? { cmdline: this.defaultCmdline(), oneShot: false } : this.profile.bootloader === 'debian-grub' ? await grubBoot(this.disk) : await bootEntry(this.disk, true);
    this.bootCmdline = chosen.cmdline;
    this.sysctl = bootSysctls(this.bootCmdline, this.configPanicTimeout);
    this.crashMem = { reservedBytes: crashkernelBytes(this.bootCmdline, this.mem.totalBytes), loaded: false };
    this.hung = false;
    const p = this.profile;
    const log = (at: number, text: string) => this.log.add(at, text);
    log(0, `Linux version ${p.release} (mockbuild@lab) (gcc (GCC) 10.2.1 20200825) ${p.kernelBuild}`);
    log(0, `Command line: ${this.bootCmdline}`);
    log(0.2, `Memory: ${this.mem.totalBytes / 1024n}K available`);
    this.kernel = new KfenceKernel(p, this.mem, { log: (at, text) => this.log.add(at, text), rand: () => this.rand() });
    if (this.crashMem.reservedBytes > 0n) log(0.1, `Reserving ${this.crashMem.reservedBytes >> 20n}MB of memory at 3072MB for crashkernel (System RAM: ${this.mem.totalBytes >> 20n}MB)`);
    this.kernel.boot(this.bootCmdline, 1.5);
    this.audit.push({ kind: 'boot', time: now, bootId: this.bootId, cmdline: this.bootCmdline, reason, ...(chosen.oneShot ? { oneShot: true } : {}) });
    const early = this.bootFault('boot-panic');
    if (early) {
      const r = this.kernel.inject(early.bug ?? 'use-after-free', 1800, { release: p.release, build: p.kernelBuild, hardware: p.hardware });
      if (r === 'panic') return this.panicAtBoot(0);
    }
    if (this.bootFault('boot-hang')) {
      log(22, 'watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]');
      if (this.sysctl.get('kernel.softlockup_panic') !== '0') {
        log(22, 'Kernel panic - not syncing: softlockup: hung tasks');
        return this.panicAtBoot(22);
      }
      this.hung = true;
      return 'down';
    }
    log(2.1, `Run /sbin/init as init process`);
    // systemd-sysctl: /etc/sysctl.d and friends over the boot's values.
    for (const [k, v] of this.disk ? await sysctlFiles(this.disk) : IMAGE_SYSCTLS) if (this.sysctl.has(k) && /^-?\d+$/.test(v)) this.sysctl.set(k, String(Number(v)));
    await this.runBootUnits();
    const loop = this.faults.get('boot-loop');
    if (loop) this.later(loop.ms ?? 300, () => this.injectNow(loop.bug ?? 'use-after-free'));
    return 'up';
  }

  /** A fault of this boot: set, and limited to no command line or to one that has its word. */
  private bootFault(kind: BootFault): FaultOptions | undefined {
    const f = this.faults.get(kind);
    if (!f) return undefined;
    return !f.cmdline || this.bootCmdline.split(/\s+/).includes(f.cmdline) || this.bootCmdline.split(/\s+/).some((w) => w.startsWith(`${f.cmdline}=`)) ? f : undefined;
  }

  /** A panic before init: crash records, then the reset panic= says (after `atS` kernel seconds), or none. */
  private panicAtBoot(atS: number): 'down' {
    this.recordCrash();
    this.scheduleReset('panic', atS);
    return 'down';
  }

  /** After a panic: kernel.panic=N>0 resets after N s, <0 at once, 0 never (until power-cycled). */
  private scheduleReset(kind: 'panic' | 'crash', afterS = 0): void {
    const n = Number(this.sysctl.get('kernel.panic') ?? '0');
    if (n === 0) {
      this.hung = true;
      return;
    }
    const slow = this.faults.get('slow-return');
    const downtime = slow ? slow.ms ?? this.downtimeMs * 10 : this.downtimeMs;
    const wait = (Math.max(n, 0) + afterS) * this.kernelSecondMs + downtime;
    this.clearReset();
    const t = setTimeout(() => {
      this.timers.delete(t);
      this.resetTimer = undefined;
      if (!this.stopped) void this.comeUp(kind);
    }, wait);
    this.timers.add(t);
    this.resetTimer = t;
  }

  private clearReset(): void {
    if (this.resetTimer) {
      clearTimeout(this.resetTimer);
      this.timers.delete(this.resetTimer);
      this.resetTimer = undefined;
    }
  }

  private defaultCmdline(): string {
    // Debian's GRUB (root file system holding /boot) passes the image path as GRUB names it on that file system.
    const image = this.profile.bootloader === 'debian-grub' ? '/boot/vmlinuz-' : '(hd0,gpt2)/vmlinuz-';
    return `BOOT_IMAGE=${image}${this.profile.release} root=UUID=${this.identity.rootUuid} ${this.profile.defaultArgs}`;
  }

  /** Every enabled unit of multi-user.target runs its ExecStart= as root (in the lab shell). */
  private async runBootUnits(): Promise<void> {
    const disk = this.disk;
    if (!disk || !(await disk.exists(WANTS_DIR))) return;
    for (const name of (await disk.readdir(WANTS_DIR)).sort()) {
      if (name === 'sshd.service') continue;
      let text: string;
      try {
        text = await disk.readFile(`${WANTS_DIR}/${name}`);
      } catch {
        continue;
      }
      const exec = unitField(text, 'ExecStart')[0];
      if (!kernelCommandLineCondition(unitField(text, 'ConditionKernelCommandLine'), this.bootCmdline)) continue;
      if (exec) await this.runUnit(name, exec, { background: runsInBackground(text) });
    }
  }

  async runUnit(unit: string, execStart: string, opts: { background?: boolean } = {}): Promise<{ ok: boolean; output: string }> {
    const cmd = execStart.replace(/^[-@:+!]+/, '');
    if (opts.background) {
      const ac = new AbortController();
      this.running.get(unit)?.abort();
      this.running.set(unit, ac);
      const bootId = this.bootId;
      void runScript(this, { user: 'root', script: cmd, signal: ac.signal }).then((r) => {
        if (this.running.get(unit) !== ac) return;
        this.running.delete(unit);
        if (this.bootId === bootId && !ac.signal.aborted) this.units.set(unit, { ok: r.exitCode === 0, output: r.stdout + r.stderr });
      });
      return { ok: true, output: '' };
    }
    const r = await runScript(this, { user: 'root', script: cmd });
    const res = { ok: r.exitCode === 0, output: r.stdout + r.stderr };
    this.units.set(unit, res);
    if (!res.ok) this.log.add(this.uptimeMs(), `systemd[1]: ${unit}: Main process exited, code=exited, status=${r.exitCode}/FAILURE`);
    return res;
  }

  stopUnit(unit: string): boolean {
    const ac = this.running.get(unit);
    if (!ac) return false;
    this.running.delete(unit);
    ac.abort();
    return true;
  }

  runningUnits(): Set<string> {
    return new Set(this.running.keys());
  }

  sysctls(): Map<string, string> {
    return this.sysctl;
  }

  crashKernel(): { reservedBytes: bigint; loaded: boolean; load(): void } {
    const c = this.crashMem;
    return {
      reservedBytes: c.reservedBytes,
      get loaded() {
        return c.loaded;
      },
      load: () => {
        if (c.reservedBytes > 0n) c.loaded = true;
      },
    };
  }

  private later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.stopped) fn();
    }, ms);
    this.timers.add(t);
  }

  /** Go down now (clean, panic or reset) and come back after the downtime, unless a fault says
   *  otherwise; a panic resets only as kernel.panic says (0: the host stays down). */
  private goDown(kind: 'reboot' | 'panic' | 'crash', panicked = kind !== 'reboot'): void {
    if (this.state === 'down' || this.stopped) return;
    this.state = 'down';
    for (const ac of this.running.values()) ac.abort();
    this.running.clear();
    if (kind !== 'reboot') this.recordCrash();
    if (kind === 'reboot') this.ssh.endAll();
    else this.ssh.freezeAll();
    void this.ssh.close();
    if (this.faults.has('no-return')) return;
    if (panicked) return this.scheduleReset(kind === 'panic' ? 'panic' : 'crash');
    const slow = this.faults.get('slow-return');
    const downtime = slow ? slow.ms ?? this.downtimeMs * 10 : this.downtimeMs;
    this.later(downtime, () => void this.comeUp(kind));
  }

  /** Power-cycle: a host that is hung (or down for good) boots again; a running one is reset. */
  async powerCycle(): Promise<void> {
    if (this.stopped) return;
    this.clearReset();
    if (this.state === 'up') this.goDown('crash', false);
    this.clearReset();
    this.hung = false;
    await this.comeUp('power-on');
  }

  /** What a panicking kernel leaves behind: pstore records, kdump's dmesg, an unflushed journal. */
  private recordCrash(): void {
    const lines = this.log.lines;
    const last = lines[lines.length - 1];
    if (!last) return;
    this.panics++;
    const now = Date.now();
    if (this.pstoreEnabled) this.pstore.push(...pstoreRecords(lines, this.panics, Math.floor(now / 1000)));
    const rec = this.bootRecords[this.bootRecords.length - 1];
    if (rec && this.journalMode === 'unflushed') rec.journalLines = flushedLines(lines, last.at);
    const disk = this.disk;
    if ((this.kdump || this.crashMem.loaded) && disk) {
      const dir = `/var/crash/${crashDirName(new Date(now))}-${this.panics}`;
      const text = vmcoreDmesg(lines);
      void disk.mkdir(dir, { recursive: true }).then(() => disk.writeFile(`${dir}/vmcore-dmesg.txt`, text));
    }
  }

  private async comeUp(kind: AuditBoot['reason']): Promise<void> {
    if (this.faults.has('new-host-key')) this.ssh.setHostKey(this.rotateHostKey());
    const ran = await this.boot(kind);
    this.ssh.resetFrozen();
    if (this.stopped || ran === 'down') return;
    this.state = 'up';
    if (this.bootFault('network-down')) await this.ssh.listenSilent();
    else if (!this.bootFault('no-sshd')) await this.ssh.listen();
    this.upWaiters.splice(0).forEach((w) => w());
  }

  /** Resolves when the host is up again (never, with the no-return fault). */
  waitUp(): Promise<void> {
    if (this.state === 'up') return Promise.resolve();
    return new Promise((r) => this.upWaiters.push(r));
  }

  // ------------------------------------------------------------------ public API

  cmdline(): string {
    return this.bootCmdline;
  }

  /** Reboot as reboot(2) would; resolves when the host is back (or at once with no-return). */
  async reboot(): Promise<void> {
    this.goDown('reboot');
    const back = this.waitUp();
    if (this.faults.has('no-return')) return;
    await back;
  }

  /** Kernel panic and reboot. */
  async crash(): Promise<void> {
    this.log.add(this.uptimeMs(), 'Kernel panic - not syncing: sysrq triggered crash');
    this.goDown('crash');
    const back = this.waitUp();
    if (this.faults.has('no-return')) return;
    await back;
  }

  requestReboot(): void {
    this.later(30, () => this.goDown('reboot'));
  }

  fault(f: FaultKind, opts: FaultOptions = {}): void {
    if (f === 'none') {
      const wasStuck = this.faults.has('no-return') && this.state === 'down';
      this.faults.clear();
      if (wasStuck && !this.stopped) void this.comeUp('reboot');
      return;
    }
    this.faults.set(f, opts);
  }

  activeFaults(): FaultKind[] {
    return [...this.faults.keys()];
  }

  /** Trigger a KFENCE bug now. Returns what the kernel did with it. */
  inject(bug: BugKind): 'undetected' | 'reported' | 'panic' {
    if (this.state !== 'up') throw new Error(`${this.name} is down`);
    return this.injectNow(bug);
  }

  private injectNow(bug: BugKind): 'undetected' | 'reported' | 'panic' {
    const r = this.kernel.inject(bug, this.uptimeMs(), { release: this.profile.release, build: this.profile.kernelBuild, hardware: this.profile.hardware });
    if (r === 'panic') this.goDown('panic');
    return r;
  }

  /** Read a file as root sees it (for tests; not audited). */
  async readFile(path: string): Promise<string> {
    const fs = new SessionFs(this.fsBackend, { uid: 0, user: 'root', armed: new Map(), pending: null });
    return fs.readFile(path);
  }

  async run(script: string, user: 'root' | 'sre' = 'root'): Promise<RunResult> {
    return runScript(this, { user, script });
  }

  kfence(): { enabled: boolean; sampleInterval: string; numObjects: string; poolBytes: string; bugs: number } {
    this.kernel.advance(this.uptimeMs());
    return {
      enabled: this.kernel.enabled,
      sampleInterval: this.kernel.readParam('sample_interval').trim(),
      numObjects: String(this.kernel.numObjects),
      poolBytes: String(this.kernel.poolBytes(true) + this.kernel.poolBytes(false)),
      bugs: this.kernel.counters?.bugs ?? 0,
    };
  }

  // ------------------------------------------------------------------ ShellHost / SshHostPort

  checkSudoPassword(candidate: string): boolean {
    if (!this.passwordHash) return false;
    return timingSafeEqual(createHash('sha256').update(candidate).digest(), this.passwordHash);
  }

  uptimeMs(): number {
    return Date.now() - this.bootedAt;
  }

  kernelView(): KernelView {
    const self = this;
    return {
      profile: this.profile,
      kernel: this.kernel,
      cmdline: this.bootCmdline,
      bootId: this.bootId,
      hostname: this.name,
      uptimeMs: () => self.uptimeMs(),
      meminfo: () => self.meminfo(),
      pstore: () => self.pstore,
      sysctls: () => self.sysctl,
      crashKernel: () => self.crashMem,
      sysrq: (c) => {
        if (c === 'b') self.later(0, () => self.goDown('crash', false));
        if (c === 'c') self.later(0, () => void self.crash());
      },
    };
  }

  private meminfo(): string {
    const kb = (b: bigint) => `${String(b / 1024n).padStart(8)} kB`;
    const memblock = this.kernel.memblockBytes;
    const total = memblock - memblock / 50n - this.kernel.poolBytes(true);
    const free = (total * 6n) / 10n - this.kernel.poolBytes(false);
    const avail = (total * 8n) / 10n - this.kernel.poolBytes(false);
    const rows: [string, bigint][] = [
      ['MemTotal', total],
      ['MemFree', free],
      ['MemAvailable', avail],
      ['Buffers', 64n << 20n],
      ['Cached', total / 10n],
      ['SwapCached', 0n],
      ['SwapTotal', 0n],
      ['SwapFree', 0n],
      ['Hugepagesize', 2n << 20n],
    ];
    return rows.map(([k, v]) => `${(k + ':').padEnd(16)}${kb(v)}`).join('\n') + '\nHugePages_Total:       0\n';
  }

  kernelLog(): KernelLog {
    this.kernel.advance(this.uptimeMs());
    return this.log;
  }

  /** The boots the journal holds (only the current one with a volatile journal). */
  boots(): BootRecord[] {
    return this.journalMode === 'volatile' ? this.bootRecords.slice(-1) : this.bootRecords;
  }

  bootTime(): number {
    return this.bootedAt;
  }

  cpus(): number {
    return this.mem.nodes * 4;
  }

  runBackground(script: string, uid: number, user: string): void {
    void runScript(this, { user: uid === 0 ? 'root' : (user as 'sre'), script });
  }

  unitResults(): Map<string, { ok: boolean; output: string }> {
    return this.units;
  }

  exec(user: 'root' | 'sre', script: string, stdin: string, io: LiveIO, signal: AbortSignal): Promise<RunResult> {
    return runScript(this, { user, script, stdin, io, signal });
  }

  dropNewConnections(): boolean {
    return this.faults.has('drop-connections');
  }

  commandDelayMs(): number {
    return this.faults.get('slow-command')?.ms ?? (this.faults.has('slow-command') ? 2000 : 0);
  }

  cutAfterMs(): number | undefined {
    return this.faults.has('cut-mid-command') ? this.faults.get('cut-mid-command')?.ms ?? 50 : undefined;
  }

  /** The booted grubby entry id of the profile kernel (for status). */
  entryId(): string {
    return entryId(this.identity, this.profile.release);
  }
}

export function memoryLayout(profile: Profile, opt: { totalMiB?: number; nodes?: number; contiguousGiBPerNode?: number } = {}): MemoryLayout {
  const totalBytes = BigInt(opt.totalMiB ?? profile.defaultMemoryMiB) << 20n;
  const nodes = opt.nodes ?? profile.defaultNodes;
  const perNode = totalBytes / BigInt(nodes);
  return { totalBytes, nodes, contiguousGiBPerNode: opt.contiguousGiBPerNode ?? Number((perNode * 6n) / 10n / GiB) };
}
