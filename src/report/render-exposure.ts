// Exposure (exposure.ts) for people: an HTML section of the findings report, one table row per
// cohort (fleet, each kernel release, each inventory group), and a one-line text summary.
import type { Exposure, ExposureReport } from './exposure.js';

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const e = (s: string): string => s.replace(/[&<>"']/g, (c) => ESC[c] ?? c);
const n = (v: number | null): string => (v === null ? '-' : v.toLocaleString('en-US', { maximumFractionDigits: 1 }));

function row(kind: string, name: string, x: Exposure): string {
  const h = x.histogram;
  return (
    `<tr class="cohort" data-cohort="${e(kind)}:${e(name)}"><th scope="row">${e(kind)}</th><td>${e(name)}</td>` +
    `<td class="num">${x.hosts}</td><td class="num hh">${n(x.host_hours.total)}</td><td class="num">${n(x.host_hours.sampling)}</td><td class="num">${n(x.host_hours.full)}</td>` +
    `<td class="num">${n(x.guarded_allocations)}</td><td class="num">${x.reports}</td><td class="num">${x.unique_titles}</td>` +
    `<td class="num rate">${n(x.reports_per_1000_host_days)}</td><td class="num">${h.once} / ${h['2-10']} / ${h.more}</td></tr>`
  );
}

export function exposureHtml(x: ExposureReport): string {
  const rows = [
    row('fleet', 'all hosts', x.fleet),
    ...Object.entries(x.by_release).map(([r, v]) => row('release', r, v)),
    ...Object.entries(x.by_group).map(([g, v]) => row('group', g, v)),
  ].join('\n');
  return `<h2>Exposure</h2>
<p class="meta">How much KFENCE sampling the findings come from: host-hours with KFENCE on (by mode), guarded allocations (from stats deltas), reports per 1,000 host-days, and how many bugs were seen once, 2-10 times, more.</p>
<table id="exposure"><thead><tr><th scope="col">Cohort</th><th scope="col">Name</th><th scope="col">Hosts</th><th scope="col">Host-hours on</th><th scope="col">Sampling</th><th scope="col">Full</th><th scope="col">Guarded allocations</th><th scope="col">Reports</th><th scope="col">Unique titles</th><th scope="col">Reports / 1,000 host-days</th><th scope="col">Seen once / 2-10 / more</th></tr></thead>
<tbody>
${rows}
</tbody></table>`;
}

export function exposureLine(x: Exposure): string {
  const rate = x.reports_per_1000_host_days === null ? 'no KFENCE exposure observed yet' : `${n(x.reports_per_1000_host_days)} reports per 1,000 host-days`;
  return `exposure: ${n(x.host_hours.total)} host-hours with KFENCE on (${n(x.host_hours.sampling)} sampling, ${n(x.host_hours.full)} full), ${n(x.guarded_allocations)} guarded allocations, ${x.unique_titles} unique title(s), ${rate}\n`;
}
