// `kfleet report --prometheus FILE`: findings and exposure in the Prometheus text format (0.0.4).
// `kfleet_kfence_findings_total{title=...}` has one sample per syzkaller title, bounded: the
// `maxTitles` titles with the most reports, the rest summed under title="other", so a flood of
// distinct bugs cannot blow up a TSDB.
import type { ExposureReport } from './exposure.js';
import { escapeLabelValue } from './prometheus.js';
import type { Finding } from './types.js';

export const DEFAULT_MAX_TITLES = 50;
export const OTHER_TITLE = 'other';

export function renderFindingsPrometheus(findings: readonly Finding[], exposure: ExposureReport | null, maxTitles = DEFAULT_MAX_TITLES): string {
  const byCount = [...findings].sort((a, b) => b.count - a.count || (a.title < b.title ? -1 : a.title > b.title ? 1 : 0));
  const top = byCount.slice(0, Math.max(0, maxTitles));
  const rest = byCount.slice(top.length).reduce((n, f) => n + f.count, 0);
  const out = ['# HELP kfleet_kfence_findings_total KFENCE reports per syzkaller title (top titles; the rest as title="other").', '# TYPE kfleet_kfence_findings_total counter'];
  for (const f of [...top].sort((a, b) => (a.title < b.title ? -1 : 1))) out.push(`kfleet_kfence_findings_total{title="${escapeLabelValue(f.title)}"} ${f.count}`);
  if (rest > 0) out.push(`kfleet_kfence_findings_total{title="${OTHER_TITLE}"} ${rest}`);
  out.push('# HELP kfleet_kfence_unique_titles Distinct KFENCE bugs (syzkaller titles) found.', '# TYPE kfleet_kfence_unique_titles gauge', `kfleet_kfence_unique_titles ${findings.length}`);
  if (exposure) {
    const f = exposure.fleet;
    out.push('# HELP kfleet_kfence_exposure_host_hours Host-hours with KFENCE on, by mode.', '# TYPE kfleet_kfence_exposure_host_hours gauge');
    out.push(`kfleet_kfence_exposure_host_hours{mode="sampling"} ${f.host_hours.sampling}`, `kfleet_kfence_exposure_host_hours{mode="full"} ${f.host_hours.full}`);
    out.push('# HELP kfleet_kfence_guarded_allocations_total Allocations KFENCE guarded (stats deltas where readable).', '# TYPE kfleet_kfence_guarded_allocations_total counter', `kfleet_kfence_guarded_allocations_total ${f.guarded_allocations}`);
    out.push('# HELP kfleet_kfence_host_hours_by_release Host-hours with KFENCE on per kernel release.', '# TYPE kfleet_kfence_host_hours_by_release gauge');
    for (const [r, x] of Object.entries(exposure.by_release)) out.push(`kfleet_kfence_host_hours_by_release{release="${escapeLabelValue(r)}"} ${x.host_hours.total}`);
  }
  return `${out.join('\n')}\n`;
}
