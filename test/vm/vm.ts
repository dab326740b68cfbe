// A supervisor for one QEMU VM. QEMU runs with -no-reboot, so a guest reboot (or panic, with
// panic=-1) makes it exit; the supervisor then reads the kernel args from the VM's boot disk and
// starts it again: a real reboot with a new boot id. A VM can be told to stay down after its
// next reboot (a host that does not come back). QEMU runs in its own process group behind a
// small sh guard that kills it when the test process's pipe closes, so even a SIGKILLed test
// run leaves no VM behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { closeSync, openSync, writeSync } from 'node:fs';
import { readBootDiskArgs } from './bootdisk.js';
import { sshBanner } from './net.js';

export interface VmConfig {
  name: string;
  port: number;
  vmlinuz: string;
  initrd: string;
  bootDisk: string;
  consoleLog: string;
  /** Always on the kernel command line, before the boot disk's args (console, panic). */
  baseArgs: string;
  memoryMb: number;
  /** Pause between QEMU's exit and the next start (a machine's reset time). */
  rebootDelayMs: number;
  /**
   * Guest RAM backed by this file (shared mapping), so what the guest wrote to RAM survives
   * QEMU's restart as it survives a warm reset: ramoops (pstore) records across a reboot.
   */
  ramFile?: string;
}

export type VmState = 'starting' | 'running' | 'rebooting' | 'down' | 'failed' | 'stopped';

export interface BootRecord {
  /** 1 for the first boot. */
  n: number;
  startedAt: number;
  /** The kernel command line QEMU was given. */
  cmdline: string;
  /** When the guest's SSH server first answered in this boot. */
  sshReadyAt?: number;
  exitedAt?: number;
  exitCode?: number | null;
}

export const GUARD = [
  'exec 3<&0',
  'qemu-system-x86_64 "$@" </dev/null & q=$!',
  '( while read -r _; do :; done; kill -9 $q 2>/dev/null ) <&3 & w=$!',
  'wait $q; rc=$?',
  'kill $w 2>/dev/null',
  'exit $rc',
].join('\n');

const live = new Set<Vm>();
let handlersInstalled = false;
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', () => {
    for (const vm of live) vm.killNow();
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      for (const vm of live) vm.killNow();
      process.exit(sig === 'SIGINT' ? 130 : 143);
    });
  }
}

export class Vm extends EventEmitter {
  readonly name: string;
  readonly port: number;
  readonly host = '127.0.0.1';
  readonly config: VmConfig;
  state: VmState = 'stopped';
  readonly boots: BootRecord[] = [];
  private child: ChildProcess | null = null;
  private stayDown = false;
  private stopping = false;
  private quickExits = 0;

  constructor(config: VmConfig) {
    super();
    this.config = config;
    this.name = config.name;
    this.port = config.port;
  }

  /** The process group of the running QEMU (and its guard), if any. */
  get processGroup(): number | undefined {
    return this.child?.pid;
  }

  get bootCount(): number {
    return this.boots.length;
  }

  get currentBoot(): BootRecord | undefined {
    return this.boots[this.boots.length - 1];
  }

  /** The args the next boot gets from the boot disk (what the in-guest grubby wrote). */
  diskArgs(): string {
    return readBootDiskArgs(this.config.bootDisk);
  }

  /** Keep the VM down when it next reboots (or powers off), instead of booting it again. */
  stayDownAfterNextReboot(on = true): void {
    this.stayDown = on;
  }

  /** Boot the VM (first boot, or again after it stayed down). */
  powerOn(): void {
    if (this.child) throw new Error(`${this.name} is already running`);
    installExitHandlers();
    live.add(this);
    this.stopping = false;
    this.start();
  }

  private start(): void {
    const c = this.config;
    const cmdline = `${c.baseArgs} ${this.diskArgs()}`.trim();
    const boot: BootRecord = { n: this.boots.length + 1, startedAt: Date.now(), cmdline };
    this.boots.push(boot);
    const log = openSync(c.consoleLog, 'a');
    writeSync(log, `\n===== kfleet-vm ${c.name}: boot ${boot.n} at ${new Date(boot.startedAt).toISOString()}: ${cmdline}\n`);
    const args = [
      '-accel', 'tcg', '-cpu', 'qemu64,+rdrand', '-m', String(c.memoryMb), '-smp', '1', '-no-reboot',
      ...(c.ramFile ? ['-object', `memory-backend-file,id=ram0,size=${c.memoryMb}M,mem-path=${c.ramFile},share=on`, '-machine', 'memory-backend=ram0'] : []),
      '-nodefaults', '-nographic', '-serial', 'stdio', '-no-user-config',
      '-kernel', c.vmlinuz, '-initrd', c.initrd, '-append', cmdline,
      '-netdev', `user,id=n0,hostfwd=tcp:127.0.0.1:${c.port}-:22`,
      '-device', 'virtio-net-pci,netdev=n0,romfile=',
      '-drive', `file=${c.bootDisk},format=raw,if=virtio,cache=writethrough`,
    ];
    const child = spawn('sh', ['-c', GUARD, 'kfleet-vm-guard', ...args], { detached: true, stdio: ['pipe', log, log] });
    closeSync(log);
    this.child = child;
    this.state = 'starting';
    this.emit('start', boot);
    child.on('exit', (code) => this.onExit(child, boot, code));
  }

  private onExit(child: ChildProcess, boot: BootRecord, code: number | null): void {
    if (this.child !== child) return;
    this.child = null;
    boot.exitedAt = Date.now();
    boot.exitCode = code;
    this.emit('exit', boot);
    if (this.stopping) {
      this.state = 'stopped';
      live.delete(this);
      return;
    }
    this.quickExits = boot.exitedAt - boot.startedAt < 3000 ? this.quickExits + 1 : 0;
    if (this.quickExits >= 3) {
      this.state = 'failed';
      live.delete(this);
      this.emit('failed', new Error(`${this.name}: QEMU exited 3 times within 3 s of starting (see ${this.config.consoleLog})`));
      return;
    }
    if (this.stayDown) {
      this.stayDown = false;
      this.state = 'down';
      live.delete(this);
      this.emit('down', boot);
      return;
    }
    this.state = 'rebooting';
    setTimeout(() => {
      if (this.stopping || this.child) return;
      try {
        this.start();
      } catch (e) {
        this.state = 'failed';
        this.emit('failed', e);
      }
    }, this.config.rebootDelayMs);
  }

  /**
   * Waits until boot number `n` (default: the current one) answers SSH; returns the boot.
   * Fails early when the VM goes down or fails.
   */
  async waitForSsh(opts: { boot?: number; timeoutMs?: number } = {}): Promise<BootRecord> {
    const deadline = Date.now() + (opts.timeoutMs ?? 90_000);
    const want = opts.boot ?? this.bootCount;
    for (;;) {
      if (this.state === 'failed' || this.state === 'stopped' || this.state === 'down') {
        throw new Error(`${this.name} is ${this.state}; see ${this.config.consoleLog}`);
      }
      const b = this.currentBoot;
      if (b && b.n >= want && this.child && (await sshBanner(this.port, 2000))) {
        // The banner may come from the boot that was current when the check started.
        if (this.currentBoot === b && this.child) {
          b.sshReadyAt ??= Date.now();
          this.state = 'running';
          return b;
        }
      }
      if (Date.now() > deadline) throw new Error(`${this.name}: no SSH on port ${this.port} for boot ${want} (see ${this.config.consoleLog})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Waits for a boot after `afterBoot` (a reboot) to answer SSH. */
  waitForReboot(afterBoot: number, timeoutMs = 90_000): Promise<BootRecord> {
    return this.waitForSsh({ boot: afterBoot + 1, timeoutMs });
  }

  /** Synchronous hard kill of the process group (exit handlers). */
  killNow(): void {
    this.stopping = true;
    const pid = this.child?.pid;
    if (pid) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  /** Power off for good: kills QEMU and waits for it to exit. */
  async stop(): Promise<void> {
    this.stopping = true;
    const child = this.child;
    live.delete(this);
    if (!child) {
      this.state = 'stopped';
      return;
    }
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    this.killNow();
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    this.state = 'stopped';
  }
}
