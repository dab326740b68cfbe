// One QEMU VM booting the Debian image from its own disk: SeaBIOS, then real GRUB reading the
// grub.cfg the guest wrote, then Debian's kernel and systemd. A guest reboot stays inside QEMU
// (no -no-reboot): every boot goes through GRUB again. QEMU runs in its own process group behind
// the same pipe guard as the busybox tier, so a killed test run leaves no VM behind.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { sshBanner } from '../vm/net.js';
import { GUARD } from '../vm/vm.js';

export interface DebVmConfig {
  name: string;
  port: number;
  /** qcow2 overlay of the image. */
  disk: string;
  consoleLog: string;
  memoryMb: number;
}


const live = new Set<DebVm>();
let handlers = false;
function installExitHandlers(): void {
  if (handlers) return;
  handlers = true;
  process.on('exit', () => {
    for (const vm of live) vm.killNow();
  });
}

export class DebVm {
  readonly name: string;
  readonly port: number;
  readonly host = '127.0.0.1';
  readonly config: DebVmConfig;
  startedAt = 0;
  exitCode: number | null = null;
  private child: ChildProcess | null = null;

  constructor(config: DebVmConfig) {
    this.config = config;
    this.name = config.name;
    this.port = config.port;
  }

  powerOn(): void {
    installExitHandlers();
    live.add(this);
    const c = this.config;
    const args = [
      '-accel', 'tcg', '-m', String(c.memoryMb), '-smp', '1',
      '-display', 'none', '-monitor', 'none', '-no-user-config',
      '-drive', `file=${c.disk},format=qcow2,if=virtio`,
      '-nic', `user,model=virtio-net-pci,hostfwd=tcp:127.0.0.1:${c.port}-:22`,
      '-serial', `file:${c.consoleLog}`,
    ];
    this.startedAt = Date.now();
    this.exitCode = null;
    const child = spawn('sh', ['-c', GUARD, 'qemu-guard', ...args], { detached: true, stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-2000)));
    child.on('exit', (code) => {
      this.exitCode = code ?? -1;
      this.child = null;
      live.delete(this);
      if (code && !this.stopping) process.stderr.write(`[vm-debian] ${this.name}: QEMU exited ${code}: ${err}\n`);
    });
    this.child = child;
  }

  private stopping = false;

  /** The console as far as written (GRUB's and the kernel's serial output). */
  console(): string {
    return existsSync(this.config.consoleLog) ? readFileSync(this.config.consoleLog, 'latin1') : '';
  }

  /** Kernel versions GRUB loaded, one per boot, from its "Loading Linux <version> ..." lines. */
  grubBoots(): string[] {
    return [...this.console().matchAll(/Loading Linux (\S+) \.\.\./g)].map((m) => m[1] ?? '');
  }

  /** Resolves when the guest's sshd answers; rejects after timeoutMs or if QEMU exits. */
  async waitForSsh(timeoutMs: number): Promise<number> {
    const t0 = Date.now();
    while (Date.now() - t0 < timeoutMs) {
      if (this.exitCode !== null) throw new Error(`${this.name}: QEMU exited (${this.exitCode}) before SSH answered; console: ${this.config.consoleLog}`);
      if (await sshBanner(this.port, 3000)) return Date.now() - t0;
      await new Promise((r) => setTimeout(r, 1000));
    }
    throw new Error(`${this.name}: no SSH within ${timeoutMs / 1000} s; console: ${this.config.consoleLog}`);
  }

  killNow(): void {
    if (this.child?.pid) {
      try {
        process.kill(-this.child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    const c = this.child;
    if (!c) return;
    const gone = new Promise<void>((r) => c.once('exit', () => r()));
    this.killNow();
    await gone;
  }
}
