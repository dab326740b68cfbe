// The recap printed at the end of apply: one line per host that is not plainly ok, the counts,
// and the verdict.
import pc from 'picocolors';
import type { RunSummary } from '../rollout/engine.js';
import { colourStatus } from './render/plain.js';

export function formatRecap(s: RunSummary, playName: string, verbose = false): string {
  const lines: string[] = [];
  lines.push(pc.bold(`RECAP ${playName} (run ${s.run})`));
  const width = Math.max(4, ...s.results.map((r) => r.host.length));
  for (const r of s.results) {
    if (!verbose && r.status === 'ok' && s.results.length > 20) continue;
    const flags = [r.rebooted ? 'rebooted' : '', r.pending_reboot ? 'reboot pending' : ''].filter(Boolean).join(', ');
    lines.push(`  ${r.host.padEnd(width)}  ${colourStatus(r.status).padEnd(14)}${flags ? ` ${flags}` : ''}${r.error ? `  ${r.error.code}: ${r.error.message}` : ''}`);
    if (r.error?.hint && verbose) lines.push(`  ${' '.repeat(width)}  hint: ${r.error.hint}`);
  }
  const order = ['ok', 'changed', 'rebooted', 'pending_reboot', 'failed', 'unreachable', 'reverted', 'refused', 'untouched'];
  const counts = order.filter((k) => (s.counts[k] ?? 0) > 0).map((k) => `${k}=${s.counts[k]}`);
  lines.push(`  ${counts.join('  ') || 'no hosts'}`);
  const v = s.verdict === 'converged' || s.verdict === 'checked' ? pc.green(s.verdict) : s.verdict === 'pending_reboot' ? pc.magenta(s.verdict) : pc.red(s.verdict);
  lines.push(`  verdict: ${v}${s.reason ? ` (${s.reason})` : ''}`);
  return lines.join('\n') + '\n';
}
