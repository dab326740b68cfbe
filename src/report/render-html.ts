// Findings as ONE self-contained HTML page (inline CSS and JS, no network: a CSP forbids any
// fetch): a findings table sortable by clicking a column and filterable by a text box, each
// finding's stacks and full example report expandable, and a per-host drill-down.
// Everything from a kernel log is attacker-influenced (a module or task name can be
// `<script>`), so every value is HTML-escaped and no data is ever placed inside the script.

import type { ExposureReport } from './exposure.js';
import { exposureHtml } from './render-exposure.js';
import { compareFindings, normalizeSymbol } from './findings.js';
import type { HostScan } from './render-json.js';
import { shortTime } from './render-table.js';
import type { Finding, StackFrame, TrackInfo } from './types.js';
import { timelineSection, type TimelineOptions } from './render-timeline.js';

export interface HtmlOptions extends TimelineOptions {
  /** Every host scanned (hosts without findings are listed too); derived from findings if absent. */
  hosts?: readonly HostScan[];
  title?: string;
  generated_at?: string;
  since?: string;
  /** Exposure accounting, shown as its own section. */
  exposure?: ExposureReport;
}

const ESC: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escape for HTML text and double- or single-quoted attribute values. */
export function escapeHtml(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"']/g, (c) => ESC[c] ?? c).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\uFFFD');
}

const e = escapeHtml;

function frameText(f: StackFrame): string {
  const where = f.source?.length ? `  ${f.source.map((l) => `${l.file}:${l.line}${l.fn !== f.fn ? ` (${l.fn})` : ''}`).join(' < ')}` : f.unresolved ? '  (unresolved)' : '';
  return `${f.fn}${f.offset ? `+${f.offset}` : ''}${f.module ? ` [${f.module}]` : ''}${where}`;
}

function stackBlock(title: string, frames: readonly StackFrame[]): string {
  if (frames.length === 0) return '';
  return `<h4>${e(title)}</h4><pre class="stack">${frames.map((f) => e(frameText(f))).join('\n')}</pre>`;
}

function trackTitle(what: string, t: TrackInfo): string {
  return `${what} by task ${t.task}${t.cpu === null ? '' : ` on cpu ${t.cpu}`}${t.at_s === null ? '' : ` at ${t.at_s.toFixed(6)}s`}`;
}

function kindLabel(f: Finding): string {
  return f.access ? `${f.kind} ${f.access}` : f.kind;
}

function findingRow(f: Finding, hostIds: Map<string, string>): string {
  const r = f.example_report;
  const hostsList = f.hosts
    .map((h) => `<li><a href="#${hostIds.get(h.host) ?? ''}">${e(h.host)}</a> — ${h.count} report${h.count === 1 ? '' : 's'}, ${e(h.release ?? '-')}, last ${e(shortTime(h.last_seen))}</li>`)
    .join('');
  const obj = r.object ? `<p class="obj">kfence-#${r.object.index}: size=${r.object.size}, cache=${e(r.object.cache)}</p>` : '';
  const details = [
    `<ul class="hostlist">${hostsList}</ul>`,
    obj,
    stackBlock('Access stack', r.access_stack),
    r.allocated ? stackBlock(trackTitle('Allocated', r.allocated), r.allocated.stack) : '',
    r.freed ? stackBlock(trackTitle(r.freed.rcu ? 'RCU freed' : 'Freed', r.freed), r.freed.stack) : '',
    `<details class="full"><summary>Full example report${r.truncated ? ' (truncated)' : ''}</summary><pre class="report">${e(f.example)}</pre></details>`,
  ].join('');
  const location = `${normalizeSymbol(f.function ?? '?')}${f.module ? ` [${f.module}]` : ''}`;
  const search = [f.title, kindLabel(f), f.signature, ...f.frames, ...f.releases, ...f.hosts.map((h) => h.host)].join(' ').toLowerCase();
  const attrs = [
    `id="f-${e(f.signature)}"`,
    `data-hosts="${f.hosts.length}"`,
    `data-count="${f.count}"`,
    `data-kind="${e(kindLabel(f))}"`,
    `data-location="${e(location.toLowerCase())}"`,
    `data-releases="${e(f.releases.join(','))}"`,
    `data-first="${e(f.first_seen ?? '')}"`,
    `data-last="${e(f.last_seen ?? '')}"`,
    `data-signature="${e(f.signature)}"`,
    `data-search="${e(search)}"`,
  ].join(' ');
  return (
    `<tr class="finding kind-${e(f.kind)}" ${attrs}>` +
    `<td class="num">${f.hosts.length}</td><td class="num">${f.count}</td>` +
    `<td><span class="kind">${e(kindLabel(f))}</span></td>` +
    `<td class="loc"><details class="stacks"><summary>${e(location)}</summary>${details}</details></td>` +
    `<td class="rel">${f.releases.map((r) => `<span>${e(r)}</span>`).join('<br>') || '-'}</td>` +
    `<td class="time">${e(shortTime(f.first_seen))}</td><td class="time">${e(shortTime(f.last_seen))}</td>` +
    `<td class="sig"><code>${e(f.signature)}</code></td></tr>`
  );
}

function hostSection(findings: readonly Finding[], hosts: readonly HostScan[], hostIds: Map<string, string>): string {
  const items = hosts.map((h) => {
    const mine = findings.filter((f) => f.hosts.some((x) => x.host === h.host));
    const list = mine
      .map((f) => {
        const n = f.hosts.find((x) => x.host === h.host)?.count ?? 0;
        return `<li><a href="#f-${e(f.signature)}" class="jump">${e(f.title)}</a> × ${n}</li>`;
      })
      .join('');
    const status = h.error ? ` — <span class="err">${e(h.error)}</span>` : '';
    return (
      `<details class="host" id="${hostIds.get(h.host) ?? ''}" data-host="${e(h.host.toLowerCase())}">` +
      `<summary><strong>${e(h.host)}</strong> — ${mine.length} finding${mine.length === 1 ? '' : 's'}, ${h.reports} report${h.reports === 1 ? '' : 's'}, ${e(h.release ?? '-')}${status}</summary>` +
      (list ? `<ul>${list}</ul>` : '<p class="none">No KFENCE reports on this host.</p>') +
      `</details>`
    );
  });
  return `<section id="hosts"><h2>Hosts (${hosts.length})</h2>${items.join('')}</section>`;
}

const CSS = `
:root{--bg:#fff;--fg:#1d2430;--mute:#5b6577;--line:#dde2ea;--head:#f3f5f8;--acc:#2358c4;--bad:#b4232a}
*{box-sizing:border-box}body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg);margin:24px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}h4{margin:10px 0 4px;font-size:13px}
.meta{color:var(--mute);margin:0 0 14px}.bar{display:flex;gap:12px;align-items:center;margin-bottom:10px}
#filter{width:420px;max-width:100%;padding:6px 9px;border:1px solid var(--line);border-radius:6px;font:inherit}
#shown{color:var(--mute)}table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
th{background:var(--head);cursor:pointer;user-select:none;white-space:nowrap;position:sticky;top:0}
th[aria-sort=ascending]::after{content:" \\25B2"}th[aria-sort=descending]::after{content:" \\25BC"}
td.num{text-align:right;font-variant-numeric:tabular-nums}td.time,td.rel{white-space:nowrap}
.kind{display:inline-block;padding:1px 7px;border-radius:10px;background:#fde8e8;color:var(--bad);font-size:12px;white-space:nowrap}
.kind-out-of-bounds .kind{background:#fff1db;color:#8a4b00}.kind-memory-corruption .kind{background:#f1e6ff;color:#5a2a99}
td.loc summary{cursor:pointer;font-family:ui-monospace,SFMono-Regular,Menlo,monospace}
pre{background:#f7f8fa;border:1px solid var(--line);border-radius:4px;padding:6px 8px;margin:0;overflow-x:auto;max-width:880px;font-size:12px}
.hostlist{margin:6px 0;padding-left:18px}.obj{margin:6px 0;color:var(--mute)}code{font-size:12px}
.full{margin-top:8px}details.host{border-bottom:1px solid var(--line);padding:4px 0}details.host summary{cursor:pointer}
.err{color:var(--bad)}.none{color:var(--mute);margin:4px 0 4px 18px}a{color:var(--acc)}
`;

// Sorting, filtering and deep links. Reads only DOM attributes written (escaped) above.
const JS = `
(function(){
  var table=document.getElementById('findings');var body=table.tBodies[0];
  var rows=function(){return Array.prototype.filter.call(body.rows,function(r){return r.classList.contains('finding');});};
  var heads=table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads,function(th){
    th.addEventListener('click',function(){
      var key=th.getAttribute('data-key'),num=th.getAttribute('data-type')==='num';
      var dir=th.getAttribute('aria-sort')==='descending'?'ascending':'descending';
      if(!num&&!th.getAttribute('aria-sort'))dir='ascending';
      Array.prototype.forEach.call(heads,function(h){h.removeAttribute('aria-sort');});
      th.setAttribute('aria-sort',dir);
      var sign=dir==='ascending'?1:-1;
      var sorted=rows().sort(function(a,b){
        var x=a.getAttribute('data-'+key)||'',y=b.getAttribute('data-'+key)||'';
        var c=num?(Number(x)-Number(y)):(x<y?-1:x>y?1:0);
        if(c===0){var s=a.getAttribute('data-signature'),t=b.getAttribute('data-signature');c=s<t?-1:s>t?1:0;}
        return c*sign;
      });
      sorted.forEach(function(r){body.appendChild(r);});
    });
  });
  var filter=document.getElementById('filter'),shown=document.getElementById('shown');
  function apply(){
    var q=filter.value.trim().toLowerCase(),n=0,all=rows();
    all.forEach(function(r){var hit=q===''||(r.getAttribute('data-search')||'').indexOf(q)>=0;r.hidden=!hit;if(hit)n++;});
    shown.textContent=n+' of '+all.length+' findings shown';
  }
  filter.addEventListener('input',apply);apply();
  function openTarget(){
    var id=decodeURIComponent(location.hash.slice(1));if(!id)return;
    var el=document.getElementById(id);if(!el)return;
    if(el.tagName==='DETAILS')el.open=true;
    var d=el.querySelector&&el.querySelector('details.stacks');if(d)d.open=true;
    if(el.hidden){filter.value='';apply();}
  }
  window.addEventListener('hashchange',openTarget);openTarget();
})();
`;

export function renderFindingsHtml(findings: readonly Finding[], opts: HtmlOptions = {}): string {
  const sorted = [...findings].sort(compareFindings);
  const hosts: HostScan[] = opts.hosts
    ? [...opts.hosts]
    : [...new Map(sorted.flatMap((f) => f.hosts.map((h) => [h.host, h] as const))).keys()].map((host) => ({
        host,
        release: sorted.flatMap((f) => f.hosts).find((h) => h.host === host)?.release ?? null,
        reports: sorted.reduce((n, f) => n + (f.hosts.find((h) => h.host === host)?.count ?? 0), 0),
      }));
  hosts.sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const hostIds = new Map<string, string>(hosts.map((h, i) => [h.host, `h-${i}`]));
  for (const f of sorted) for (const h of f.hosts) if (!hostIds.has(h.host)) hostIds.set(h.host, `h-x${hostIds.size}`);
  const title = opts.title ?? 'KFENCE findings';
  const reports = sorted.reduce((n, f) => n + f.count, 0);
  const affected = new Set(sorted.flatMap((f) => f.hosts.map((h) => h.host))).size;
  const meta = [
    `${sorted.length} finding${sorted.length === 1 ? '' : 's'}`,
    `${reports} report${reports === 1 ? '' : 's'}`,
    `${affected} of ${hosts.length} host${hosts.length === 1 ? '' : 's'} affected`,
    ...(opts.since ? [`since ${opts.since}`] : []),
    ...(opts.generated_at ? [`generated ${opts.generated_at}`] : []),
  ].join(' · ');
  const th = (key: string, label: string, num = false): string =>
    `<th data-key="${key}"${num ? ' data-type="num"' : ''} scope="col">${label}</th>`;
  const body = sorted.length
    ? sorted.map((f) => findingRow(f, hostIds)).join('\n')
    : '<tr class="empty"><td colspan="8">No KFENCE reports found.</td></tr>';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)}</title><style>${CSS}</style></head>
<body>
<h1>${e(title)}</h1>
<p class="meta">${e(meta)}</p>
<div class="bar"><input id="filter" type="search" placeholder="Filter: kind, function, module, host, release, signature" aria-label="Filter findings"><span id="shown"></span></div>
<table id="findings"><thead><tr>${th('hosts', 'Hosts', true)}${th('count', 'Reports', true)}${th('kind', 'Kind')}${th('location', 'Location')}${th('releases', 'Kernel releases')}${th('first', 'First seen')}${th('last', 'Last seen')}${th('signature', 'Signature')}</tr></thead>
<tbody>
${body}
</tbody></table>
${opts.exposure ? exposureHtml(opts.exposure) : ''}
${hostSection(sorted, hosts, hostIds)}
${timelineSection(opts)}
<script>${JS}</script>
</body></html>
`;
}
