// Become via sudo. The wrapped script first prints a random "ok" marker on stderr, so kfleet can
// tell sudo's failures from the command's. With a password: `sudo -S -p <random prompt marker>`;
// the password is written to stdin once the prompt marker appears on stderr (Ansible's technique)
// and never passes through argv, messages or results; a second prompt means a wrong password.
import { randomBytes } from 'node:crypto';
import { shq } from '../shell-quote.js';

export interface BecomeSpec {
  /** Target user (default root). */
  user: string;
  /** The sudo password, or undefined for `sudo -n` (NOPASSWD). */
  password: string | undefined;
}

export interface BecomeWrap {
  command: string;
  okMarker: string;
  promptMarker: string | undefined;
}

export function wrapBecome(command: string, spec: BecomeSpec, rand: () => string = () => randomBytes(12).toString('hex')): BecomeWrap {
  const okMarker = `kfleet-become-ok-${rand()}`;
  const inner = `printf '%s\\n' ${okMarker} >&2\n${command}`;
  const userArgs = spec.user === 'root' ? '' : ` -u ${shq(spec.user)}`;
  if (spec.password === undefined) {
    return { command: `sudo -n${userArgs} -- sh -c ${shq(inner)}`, okMarker, promptMarker: undefined };
  }
  const promptMarker = `kfleet-sudo-prompt-${rand()}:`;
  return {
    command: `sudo -S -p ${shq(promptMarker)}${userArgs} -- sh -c ${shq(inner)}`,
    okMarker,
    promptMarker,
  };
}

export type BecomeState = 'pending' | 'ok' | 'wrong-password';

/**
 * Filters stderr of a wrapped command. Before the ok marker, stderr is sudo's: prompts are stripped
 * and answered; after it, stderr is the command's and passes through unchanged.
 */
export class BecomeFilter {
  state: BecomeState = 'pending';
  /** sudo's own stderr (prompts removed), for BECOME_FAILED messages. */
  sudoStderr = '';
  private pending = '';
  private prompts = 0;

  constructor(
    private readonly wrap: BecomeWrap,
    private readonly sendPassword: () => void,
  ) {}

  /** Feed a chunk of stderr; returns what belongs to the command's stderr. */
  push(chunk: string): string {
    if (this.state !== 'pending') return chunk;
    this.pending += chunk;
    const pm = this.wrap.promptMarker;
    if (pm) {
      let i: number;
      while ((i = this.pending.indexOf(pm)) !== -1) {
        this.sudoStderr += this.pending.slice(0, i);
        this.pending = this.pending.slice(i + pm.length);
        this.prompts++;
        if (this.prompts === 1) this.sendPassword();
        else {
          this.state = 'wrong-password';
          return '';
        }
      }
    }
    const okLine = `${this.wrap.okMarker}\n`;
    const j = this.pending.indexOf(okLine);
    if (j !== -1) {
      this.sudoStderr += this.pending.slice(0, j);
      const rest = this.pending.slice(j + okLine.length);
      this.pending = '';
      this.state = 'ok';
      return rest;
    }
    // keep a tail that could be the start of a marker; the rest is sudo chatter
    const keep = Math.max(okLine.length, pm?.length ?? 0);
    if (this.pending.length > keep) {
      this.sudoStderr += this.pending.slice(0, this.pending.length - keep);
      this.pending = this.pending.slice(this.pending.length - keep);
    }
    if (this.sudoStderr.length > 8192) this.sudoStderr = this.sudoStderr.slice(-8192);
    return '';
  }

  /** sudo's stderr so far, with any remaining partial marker. */
  sudoText(): string {
    return (this.sudoStderr + this.pending).trim();
  }
}

/** Why become failed, from sudo's stderr. */
export function becomeFailureReason(sudoStderr: string, state: BecomeState): string {
  if (state === 'wrong-password' || /incorrect password|Sorry, try again/i.test(sudoStderr)) return 'the sudo password was rejected';
  if (/a password is required|a terminal is required/i.test(sudoStderr)) return 'sudo requires a password and none was given';
  if (/not in the sudoers|not allowed to execute|may not run sudo/i.test(sudoStderr)) return 'the user may not run this command with sudo';
  if (/sudo: .*not found|command not found/i.test(sudoStderr)) return 'sudo is not installed on the host';
  const last = sudoStderr.split('\n').filter(Boolean).pop();
  return last ? `sudo failed: ${last.slice(0, 200)}` : 'sudo exited before running the command';
}
