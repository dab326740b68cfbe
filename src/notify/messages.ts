// Rollout events to webhook messages: which events a webhook hears (run start, phase done, halt,
// revert, new finding, verdict) and the two payloads (Slack-compatible `{text}`, plain JSON).
// Pure; one Notice per event that deserves a message.
import type { KfleetEvent } from '../events.js';
import type { NotifyEvent, NotifyFormat } from '../playbook/notify.js';

export interface Notice {
  event: NotifyEvent;
  run: string;
  play: string;
  ts: string;
  /** One line for people. */
  text: string;
  /** The facts, for machines. */
  data: Record<string, unknown>;
}

/** Follows one play's run on the bus and turns its events into notices. */
export class NoticeMaker {
  private run: string | null = null;
  private findings = new Set<string>();
  constructor(private readonly play: string) {}

  /** True between this play's run.start and run.end. */
  get active(): boolean {
    return this.run !== null;
  }

  take(e: KfleetEvent): Notice | null {
    const ts = e.ts ?? new Date().toISOString();
    if (e.type === 'run.start') {
      this.run = e.run;
      this.findings.clear();
      return this.notice('run.start', ts, `kfleet ${e.command}${e.check ? ' --check' : ''} started: play "${this.play}" on ${e.hosts} host(s), run ${e.run}`, { command: e.command, hosts: e.hosts, check: e.check });
    }
    if (this.run === null) return null;
    switch (e.type) {
      case 'phase.end':
        return e.verdict === 'halted'
          ? this.notice('halt', ts, `kfleet HALTED after phase ${e.phase}: ${e.failed} host(s) failed (play "${this.play}", run ${this.run})`, { phase: e.phase, failed: e.failed, touched: e.touched })
          : this.notice('phase.done', ts, `kfleet phase ${e.phase} done: ${e.touched} host(s) changed, ${e.failed} failed (play "${this.play}", run ${this.run})`, { phase: e.phase, failed: e.failed, touched: e.touched });
      case 'host.result':
        if (e.status !== 'reverted') return null;
        return this.notice('revert', ts, `kfleet reverted ${e.host}${e.error ? `: ${e.error.message}` : ''} (play "${this.play}", run ${this.run})`, { host: e.host, ...(e.error ? { error: e.error } : {}), ...(e.detail ? { detail: e.detail } : {}) });
      case 'host.finding': {
        const key = `${e.host}\u0000${e.signature}`;
        if (this.findings.has(key)) return null;
        this.findings.add(key);
        return this.notice('finding', ts, `kfleet: new KFENCE finding on ${e.host}: ${e.summary} (play "${this.play}", run ${this.run})`, { host: e.host, kind: e.kind, signature: e.signature, summary: e.summary });
      }
      case 'run.end': {
        const n = this.notice('verdict', ts, `kfleet run ${this.run} ended: ${e.verdict} (exit ${e.exit_code}; ${Object.entries(e.summary).filter(([, v]) => v > 0).map(([k, v]) => `${k} ${v}`).join(', ') || 'no hosts'}) (play "${this.play}")`, { verdict: e.verdict, exit_code: e.exit_code, summary: e.summary });
        this.run = null;
        return n;
      }
      default:
        return null;
    }
  }

  private notice(event: NotifyEvent, ts: string, text: string, data: Record<string, unknown>): Notice {
    return { event, run: this.run!, play: this.play, ts, text, data };
  }
}

/** The request body for a webhook of this format. */
export function payload(n: Notice, format: NotifyFormat): string {
  if (format === 'slack') return JSON.stringify({ text: n.text });
  return JSON.stringify({ source: 'kfleet', event: n.event, run: n.run, play: n.play, ts: n.ts, text: n.text, ...n.data });
}
