// Webhook URLs carry their secret in the path (Slack, Teams, Discord), the query (?token=) or the
// user info: anything kfleet prints or emits names a webhook by scheme, host and port only.

/** `https://hooks.slack.com/services/T0/B0/XYZ` -> `https://hooks.slack.com/…`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/…`;
  } catch {
    return '(a webhook URL)';
  }
}

/** Remove every secret-bearing part of `url` (whole URL, path, query, user info) from `text`. */
export function scrub(text: string, url: string): string {
  let out = text.split(url).join(redactUrl(url));
  try {
    const u = new URL(url);
    const parts = [u.pathname.length > 1 ? u.pathname : '', u.search, u.hash, u.username, u.password, decodeURIComponent(u.pathname.length > 1 ? u.pathname : '')];
    for (const p of parts) if (p && p.length >= 3) out = out.split(p).join('/…');
  } catch {
    /* not a URL: nothing more to remove */
  }
  return out;
}
