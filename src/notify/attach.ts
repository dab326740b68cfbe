// Wiring: the webhooks of a play (`notify:`) and of `--notify URL` flags, subscribed to the
// engine's event bus. The rollout never waits for them: events are queued and sent in the
// background, and after the run's end the queues drain for at most DRAIN_MS.
import type { Command } from 'commander';
import { EXIT, KfleetError } from '../errors.js';
import type { EventBus, KfleetEvent } from '../events.js';
import { NOTIFY_EVENTS, NOTIFY_FORMATS, webhookUrl, type NotifyEvent, type NotifyFormat } from '../playbook/notify.js';
import type { Play } from '../playbook/types.js';
import { NoticeMaker, payload } from './messages.js';
import { drain, WebhookSender, type SenderOptions } from './sender.js';

/** How long the process waits at the end for messages still queued (kfleet exits 3 s after a command at the latest). */
export const DRAIN_MS = 2000;

export interface NotifyFlags {
  notify?: string[];
  notifyFormat?: string;
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function addNotifyOptions(cmd: Command): Command {
  return cmd
    .option('--notify <url>', 'POST rollout events (start, phase done, halt, revert, new finding, verdict) to this webhook (repeatable)', collect)
    .option('--notify-format <format>', `payload of --notify webhooks: ${NOTIFY_FORMATS.join(' | ')} (slack = Slack-compatible {"text": ...})`, 'json');
}

interface Hook {
  sender: WebhookSender;
  format: NotifyFormat;
  events: ReadonlySet<NotifyEvent>;
}

export interface NotifyHandle {
  senders: WebhookSender[];
  /** Resolves after the run's end once the queues drained (or the deadline passed). */
  finished: Promise<void>;
  detach(): void;
}

/**
 * Subscribe the play's webhooks (and those of the --notify flags in `cliOptions`) to `bus`. Returns null when there are none.
 * Throws a KfleetError (exit 2) for a bad --notify URL or an unset {env: NAME}, before anything runs.
 */
export function attachNotify(bus: EventBus, play: Play, cliOptions: object = {}, opts: Partial<SenderOptions> & { env?: NodeJS.ProcessEnv; drainMs?: number } = {}): NotifyHandle | null {
  const flags = cliOptions as NotifyFlags;
  const env = opts.env ?? process.env;
  const warn = (message: string) => bus.emit({ type: 'warning', message });
  const specs: Array<{ url: string; format: NotifyFormat; events: readonly NotifyEvent[] }> = [];
  for (const n of play.notify ?? []) {
    const url = n.url.kind === 'url' ? n.url.url : env[n.url.name];
    if (!url) throw new KfleetError('NOTIFY_ENV_UNSET', `play "${play.name}": notify url comes from $${n.url.kind === 'env' ? n.url.name : ''}, which is not set`, { exitCode: EXIT.INPUT, hint: `export ${n.url.kind === 'env' ? n.url.name : 'it'}=https://... before running kfleet, or remove the webhook from notify:` });
    const r = webhookUrl(url);
    if (!r.ok || r.value.kind !== 'url') throw new KfleetError('NOTIFY_URL', `play "${play.name}": $${n.url.kind === 'env' ? n.url.name : 'url'} does not hold an http(s) URL`, { exitCode: EXIT.INPUT, hint: 'set it to the webhook\'s https:// address' });
    specs.push({ url: r.value.url, format: n.format, events: n.events });
  }
  const format = flags.notifyFormat ?? 'json';
  if (flags.notify?.length && !(NOTIFY_FORMATS as readonly string[]).includes(format)) {
    throw new KfleetError('USAGE', `--notify-format must be one of ${NOTIFY_FORMATS.join(', ')}, got ${JSON.stringify(format)}`, { exitCode: EXIT.INPUT, hint: `kfleet apply --notify URL --notify-format ${NOTIFY_FORMATS.join('|')}` });
  }
  for (const u of flags.notify ?? []) {
    const r = webhookUrl(u);
    if (!r.ok || r.value.kind !== 'url') throw new KfleetError('USAGE', '--notify needs an http:// or https:// URL', { exitCode: EXIT.INPUT, hint: 'e.g. --notify https://hooks.slack.com/services/... --notify-format slack' });
    specs.push({ url: r.value.url, format: format as NotifyFormat, events: NOTIFY_EVENTS });
  }
  if (specs.length === 0) return null;

  const hooks: Hook[] = specs.map((s) => ({ sender: new WebhookSender(s.url, { ...opts, warn }), format: s.format, events: new Set(s.events) }));
  const maker = new NoticeMaker(play.name);
  let resolveFinished: () => void = () => {};
  const finished = new Promise<void>((r) => (resolveFinished = r));
  const off = bus.on((e: KfleetEvent) => {
    const n = maker.take(e);
    if (n) for (const h of hooks) if (h.events.has(n.event)) h.sender.send(payload(n, h.format));
    if (n?.event === 'verdict') {
      off();
      void drain(hooks.map((h) => h.sender), opts.drainMs ?? DRAIN_MS, warn).then(resolveFinished);
    }
  });
  return {
    senders: hooks.map((h) => h.sender),
    finished,
    detach: () => {
      off();
      for (const h of hooks) h.sender.stop();
      resolveFinished();
    },
  };
}
