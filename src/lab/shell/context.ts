// What the lab shell's commands need from their host and from the SSH session that runs them.

import type { Profile } from '../profiles.js';
import type { HostFsBackend, SessionState } from '../vfs/session-fs.js';
import type { KernelView } from '../vfs/pseudo.js';
import type { KernelLog } from '../kernel/dmesg.js';

export type BecomeMode = 'root' | 'sudo-nopasswd' | 'sudo-password';

export interface BootRecord {
  bootId: string;
  startedAt: number;
  endedAt?: number;
  log: KernelLog;
  /** Lines of `log` that reached the journal (all when unset); a panic loses the last instant's. */
  journalLines?: number;
}

export interface ShellHost {
  readonly name: string;
  readonly profile: Profile;
  readonly fsBackend: HostFsBackend;
  readonly become: BecomeMode;
  /** Checked, never stored elsewhere or logged. */
  checkSudoPassword(candidate: string): boolean;
  kernelView(): KernelView;
  kernelLog(): KernelLog;
  boots(): BootRecord[];
  bootTime(): number;
  cpus(): number;
  /** reboot(2) requested from inside the host (reboot, shutdown -r, systemctl reboot, sysrq b). */
  requestReboot(): void;
  runBackground(script: string, uid: number, user: string): void;
  /** State of boot units run at this boot, by unit name. */
  unitResults(): Map<string, { ok: boolean; output: string }>;
  /** Run a unit's ExecStart=; `background` (Type=simple/exec) returns at once while it runs. */
  runUnit(unit: string, execStart: string, opts?: { background?: boolean }): Promise<{ ok: boolean; output: string }>;
  /** Stop a running (Type=simple) unit: its process is killed. False when it was not running. */
  stopUnit(unit: string): boolean;
  /** Units whose main process runs now (Type=simple services started at boot or by systemctl). */
  runningUnits(): Set<string>;
  /** This boot's runtime sysctls (kernel.panic, ...), by dotted name. */
  sysctls(): Map<string, string>;
  /** Memory reserved with crashkernel= and whether a crash kernel is loaded (kexec -p). */
  crashKernel(): CrashKernel;
}

export interface CrashKernel {
  readonly reservedBytes: bigint;
  readonly loaded: boolean;
  load(): void;
}

/** Live access to the SSH channel, for prompts that must reach the client before the command ends. */
export interface LiveIO {
  writeStderr(s: string): void;
  readLine(): Promise<string | null>;
  readRest(): Promise<string>;
  pty: boolean;
}

export interface Session extends SessionState {
  /** Shell names, innermost last: "bash" for the login shell, "sh" inside `sh -c`. */
  shells: string[];
  armStack: string[][];
  io: LiveIO | undefined;
  signal: AbortSignal | undefined;
  /** Set when the session's shell was killed by a signal (kill -9 $$, or a channel signal). */
  killedBy: string | undefined;
  abort(): void;
}

export function shellName(s: Session): string {
  return s.shells[s.shells.length - 1] ?? 'bash';
}
