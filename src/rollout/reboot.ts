// A reboot done properly (DESIGN.md "Reboots, done properly"): fire it detached with a marker in
// /run (tmpfs: gone after the boot, so a resumed controller can tell "fired but not yet down"
// from "never fired"), confirm the host went down, poll TCP then SSH with capped backoff, require a
// new boot id in UUID form, then hand back for verification.
import type { HostSession } from '../transport/types.js';
import { shq } from '../shell-quote.js';
import type { RolloutPorts } from './ports.js';
import type { SessionPool } from './sessions.js';
import { bootIdRead, rebootMarkerRead, REBOOT_MARKER, runRead, UUID } from '../facts/reads/index.js';

export { REBOOT_MARKER, UUID };

/**
 * The detached reboot, for the boot `bootId` only: on any other boot (the host already rebooted,
 * e.g. from a fire a killed controller sent just before it died) it does nothing, so a reboot is
 * never fired twice for one planned change.
 */
export function fireCommand(run: string, bootId: string): string {
  const sameBoot = `[ "$(cat /proc/sys/kernel/random/boot_id)" = ${shq(bootId)} ]`;
  // The marker is written before the command returns (a reader right after the fire sees it); the
  // detached reboot checks the boot id again after its second, so a host that went down by itself in
  // that second (a boot-loop panic, found by the fault matrix) is not rebooted on its next boot.
  const detached = `sleep 1; ${sameBoot} && { systemctl reboot || shutdown -r now || reboot; }`;
  return (
    `if ${sameBoot}; then mkdir -p /run/kfleet && printf '%s\\n' ${shq(run)} > ${REBOOT_MARKER} || exit 1; ` +
    `nohup sh -c ${shq(detached)} >/dev/null 2>&1 & fi`
  );
}

export async function readBootId(session: HostSession, timeoutMs = 10_000): Promise<string> {
  return runRead(session, bootIdRead, timeoutMs);
}

/**
 * Is a reboot fired by this run still pending on the boot `bootId` (its marker present on that
 * boot)? 'gone' when the host is on another boot already, or the answer could not be read (the
 * connection dropped: a host going down looks exactly like that).
 */
export async function rebootPending(session: HostSession, run: string, bootId: string): Promise<boolean | 'gone'> {
  try {
    const m = await runRead(session, rebootMarkerRead, 10_000);
    if (m === null || m.bootId !== bootId) return 'gone';
    return m.run === run;
  } catch {
    return 'gone';
  }
}

export interface RebootWaitResult {
  ok: boolean;
  bootId?: string;
  /** ms from firing to the new boot id read. */
  ms: number;
  /** ms from the first accepted TCP connection to the new boot id read (how fast kfleet noticed). */
  noticeMs?: number;
  error?: string;
  /** Set when waiting is pointless: the host came back but refuses us (a changed or revoked host key, auth). */
  code?: string;
  hint?: string;
  stage?: 'down' | 'up';
}

/** Errors after which the host is up but kfleet must not (or cannot) log in: stop waiting at once. */
const FINAL_CODES = new Set(['HOST_KEY_CHANGED', 'HOST_KEY_REVOKED', 'HOST_KEY_UNKNOWN', 'HOST_KEY_UNSUPPORTED', 'AUTH_FAILED', 'KEY_INVALID', 'BECOME_FAILED']);

/**
 * After the reboot was fired (or found pending): wait for the host to go down and come back
 * with a different, UUID-shaped boot id. Bounded by timeoutMs overall.
 */
export async function waitForReboot(args: {
  host: string;
  bootIdBefore: string;
  pool: SessionPool;
  ports: RolloutPorts;
  timeoutMs: number;
  started: number;
}): Promise<RebootWaitResult> {
  const { host, bootIdBefore, pool, ports, timeoutMs, started } = args;
  const deadline = started + timeoutMs;
  const left = () => deadline - ports.now();
  // 1. Down: the session drops, or (a fast host) the boot id already changed.
  let down = false;
  while (left() > 0 && !down) {
    const s = pool.peek(host);
    if (!s || !s.alive) {
      down = true;
      break;
    }
    try {
      const id = await readBootId(s, Math.min(3000, Math.max(500, left())));
      if (id !== bootIdBefore) down = true;
    } catch {
      down = true;
    }
    if (!down) await ports.sleep(200);
  }
  await pool.drop(host);
  if (!down) return { ok: false, ms: ports.now() - started, error: 'the host did not go down after the reboot was fired', stage: 'down' };
  // 2. Up: TCP, then SSH, then a new boot id. Backoff 100 ms doubling to 1 s.
  let delay = 100;
  let tcpSince: number | null = null;
  while (left() > 0) {
    const open = await ports.tcpOpen(host, Math.min(1000, Math.max(100, left())));
    if (open) {
      tcpSince ??= ports.now();
      try {
        const s = await pool.get(host);
        const id = await readBootId(s, Math.min(5000, Math.max(500, left())));
        if (id !== bootIdBefore && UUID.test(id)) {
          return { ok: true, bootId: id, ms: ports.now() - started, noticeMs: ports.now() - tcpSince };
        }
        // Same boot id: still on the way down. Anything not UUID-shaped is noise, not a boot id.
        await pool.drop(host);
      } catch (e) {
        await pool.drop(host);
        const err = e as { code?: string; message?: string; hint?: string };
        if (err.code && FINAL_CODES.has(err.code)) {
          return { ok: false, ms: ports.now() - started, error: err.message ?? err.code, code: err.code, ...(err.hint ? { hint: err.hint } : {}), stage: 'up' };
        }
      }
      delay = 100;
    } else {
      tcpSince = null;
    }
    await ports.sleep(Math.min(delay, Math.max(0, left())));
    delay = Math.min(1000, delay * 2);
  }
  return { ok: false, ms: ports.now() - started, error: `the host did not come back within ${Math.round(timeoutMs / 1000)} s`, stage: 'up' };
}
