// The leaf parsers of `notify:` (webhooks told about a rollout). Pure; the sender is src/notify/.
import { bad, describe, ok, text, type Parsed } from './values.js';

/** What a webhook can be told about; `events:` picks some (default: all). */
export const NOTIFY_EVENTS = ['run.start', 'phase.done', 'halt', 'revert', 'finding', 'verdict'] as const;
export type NotifyEvent = (typeof NOTIFY_EVENTS)[number];
export const NOTIFY_FORMATS = ['slack', 'json'] as const;
export type NotifyFormat = (typeof NOTIFY_FORMATS)[number];

/** A URL written in the playbook, or the environment variable that holds it. */
export type WebhookAddress = { kind: 'url'; url: string } | { kind: 'env'; name: string };

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HINT = 'write url: https://hooks.example.com/..., or url: {env: KFLEET_WEBHOOK} to keep the secret out of the playbook';

export function webhookUrl(v: unknown): Parsed<WebhookAddress> {
  if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
    const keys = Object.keys(v);
    const env = (v as Record<string, unknown>).env;
    if (keys.length !== 1 || keys[0] !== 'env') return bad(`expected a URL or {env: NAME}, got a mapping with ${keys.map((k) => JSON.stringify(k)).join(', ') || 'no keys'}`, HINT);
    if (typeof env !== 'string' || !ENV_NAME.test(env)) return bad(`expected the name of an environment variable, got ${describe(env)}`, 'e.g. url: {env: KFLEET_WEBHOOK}');
    return ok({ kind: 'env', name: env });
  }
  const t = text(v, 'a webhook URL');
  if (!t.ok) return bad(t.message, HINT);
  const s = t.value.trim();
  // The message never repeats the URL: its path is often the secret.
  if (/\s/.test(s) || !/^https?:\/\/[^\s/?#]+/.test(s) || !URL.canParse(s)) return bad('expected an http:// or https:// URL', HINT);
  return ok({ kind: 'url', url: s });
}
