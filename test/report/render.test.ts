import assert from 'node:assert/strict';
import { buildFindings } from '../../src/report/findings.js';
import { parseDmesg } from '../../src/report/parse-dmesg.js';
import { escapeLabelValue, renderPrometheus, type HostKfenceStatus } from '../../src/report/prometheus.js';
import { escapeHtml, renderFindingsHtml } from '../../src/report/render-html.js';
import { findingsDocument, renderFindingsJson } from '../../src/report/render-json.js';
import { renderFindingHosts, renderFindingsTable } from '../../src/report/render-table.js';
import type { Finding, HostReports } from '../../src/report/types.js';
import { fixture } from './fixtures.js';

function findings(): Finding[] {
  const hosts: HostReports[] = [
    { host: 'web-01', release: '5.10.134-17.al8.x86_64', boot_time: '2026-11-25T08:00:00Z', reports: parseDmesg(fixture('mixed-interleaved.txt')).reports },
    { host: 'web-02', release: '5.10.134-17.al8.x86_64', boot_time: '2026-11-25T07:00:00Z', reports: parseDmesg(fixture('mixed-interleaved.txt')).reports },
    { host: 'db-07', release: '5.10.134-16.al8.x86_64', boot_time: '2026-11-25T06:00:00Z', reports: parseDmesg(fixture('alinux-invalid-read.txt') + fixture('alinux-invalid-read.txt')).reports },
  ];
  return buildFindings(hosts);
}

/** A report whose module, task name and function carry markup, as an attacker could arrange. */
const EVIL = fixture('upstream-6.12-oob-write-right.txt')
  .replace(/\[kfleet_bug\]/g, '[<script>alert(1)</script>]')
  .replace('Comm: insmod', 'Comm: <img src=x onerror=alert(2)>')
  .replace('bad_write_init+0x4a/0xff0 [', 'bad_write_init"\'&<b>+0x4a/0xff0 [');

describe('report/render-table', () => {
  it('sorted by hosts affected then count, with a summary line', () => {
    const t = renderFindingsTable(findings());
    const lines = t.split('\n');
    assert.match(lines[0] ?? '', /^HOSTS\s+REPORTS\s+KIND\s+LOCATION\s+RELEASES\s+FIRST SEEN\s+LAST SEEN\s+SIGNATURE$/);
    // the two 2-host findings first (tie broken by signature), then the 1-host one with 2 reports
    const top = [lines[1] ?? '', lines[2] ?? ''].sort();
    assert.match(top[0] ?? '', /^\s+2\s+2\s+out-of-bounds write\s+skb_put\s+5\.10\.134-17\.al8\.x86_64\s+2026-11-25 07:06\s+2026-11-25 08:06\s+[0-9a-f]{16}$/);
    assert.match(top[1] ?? '', /^\s+2\s+2\s+use-after-free read\s+sock_def_readable\s+\S+\s+2026-11-25 07:02\s+2026-11-25 08:02/);
    assert.match(lines[3] ?? '', /^\s+1\s+2\s+invalid-access read\s+xfs_iext_lookup_extent \[xfs\]\s+5\.10\.134-16/);
    assert.ok(t.includes('3 findings, 6 reports on 3 hosts'));
    assert.equal(renderFindingsTable([]), 'No KFENCE findings.\n');
    assert.match(renderFindingHosts(findings()[0] as Finding), /web-01\s+1 report\s+5\.10\.134-17/);
  });

  it('terminal escape sequences from the log cannot reach the terminal', () => {
    const evil = fixture('upstream-6.12-oob-write-right.txt').replace(/\[kfleet_bug\]/g, '[\u001b]0;pwned\u0007x]');
    const t = renderFindingsTable(buildFindings([{ host: 'h\u001b[2J', reports: parseDmesg(evil).reports }]));
    assert.ok(!/[\u0000-\u0008\u000b-\u001f\u007f]/.test(t), JSON.stringify(t));
  });
});

describe('report/render-json', () => {
  it('stable document: fixed keys, no volatile fields unless given, no duplicated report text', () => {
    const a = renderFindingsJson({ findings: findings() });
    const b = renderFindingsJson({ findings: [...findings()].reverse() });
    assert.equal(a, b);
    const doc = JSON.parse(a) as Record<string, unknown>;
    assert.deepEqual(Object.keys(doc), ['schema', 'summary', 'findings']);
    assert.deepEqual(doc['summary'], { findings: 3, reports: 6, hosts_affected: 3, hosts_scanned: null });
    const f0 = (doc['findings'] as Record<string, unknown>[])[0] ?? {};
    assert.deepEqual(Object.keys(f0), ['signature', 'kind', 'access', 'title', 'titles', 'alt_titles', 'function', 'module', 'frames', 'hosts', 'count', 'corrupted', 'releases', 'first_seen', 'last_seen', 'example', 'example_report']);
    assert.equal((f0['example_report'] as Record<string, unknown>)['text'], undefined);
    const withHosts = findingsDocument({
      findings: findings(),
      hosts: [{ host: 'z', release: null, reports: 0, error: 'unreachable' }, { host: 'a', release: 'r', reports: 1 }],
      since: '2026-11-25T00:00:00Z',
      generated_at: '2026-11-25T12:00:00Z',
    });
    assert.deepEqual(Object.keys(withHosts), ['schema', 'generated_at', 'since', 'summary', 'findings', 'hosts']);
    assert.deepEqual(withHosts.hosts?.map((h) => h.host), ['a', 'z']);
    assert.equal(withHosts.summary.hosts_scanned, 2);
  });
});

describe('report/render-html escaping', () => {
  it('escapes the five HTML metacharacters', () => {
    assert.equal(escapeHtml(`<a href="x" title='y'>&amp;</a>`), '&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;');
  });

  it('a module named <script> and a task named <img onerror> stay text', () => {
    const fs = buildFindings([{ host: '<b>host</b>"', release: '6.12"><script>', reports: parseDmesg(EVIL).reports }]);
    assert.equal(fs[0]?.module, '<script>alert(1)</script>');
    const html = renderFindingsHtml(fs, { title: 'T <i>' });
    const scripts = html.match(/<script\b/gi) ?? [];
    assert.equal(scripts.length, 1, 'only the page\'s own script element');
    assert.ok(!html.includes('<img'), 'no injected element');
    assert.ok(!html.includes('<b>'));
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(2)&gt;'));
    assert.ok(html.includes('&lt;b&gt;host&lt;/b&gt;&quot;'));
    assert.ok(html.includes('bad_write_init&quot;&#39;&amp;&lt;b&gt;'));
    // attribute values never contain a raw quote
    for (const m of html.matchAll(/data-[a-z]+="([^"]*)"/g)) assert.ok(!/[<>]/.test(m[1] ?? ''), m[0]);
  });

  it('is self-contained: no external URL, a CSP forbidding network, and the expected structure', () => {
    const html = renderFindingsHtml(findings(), { generated_at: '2026-11-25T12:00:00Z' });
    assert.ok(!/(?:src|href)="(?:https?:)?\/\//i.test(html));
    assert.ok(!/@import|url\(/i.test(html));
    assert.match(html, /Content-Security-Policy" content="default-src 'none'/);
    assert.equal((html.match(/<tr class="finding/g) ?? []).length, 3);
    assert.equal((html.match(/<details class="host"/g) ?? []).length, 3);
    assert.ok(html.includes('3 findings · 6 reports · 3 of 3 hosts affected · generated 2026-11-25T12:00:00Z'));
    assert.match(renderFindingsHtml([]), /No KFENCE reports found\./);
  });
});

describe('report/prometheus', () => {
  const statuses: HostKfenceStatus[] = [
    { host: 'web-02', enabled: true, sample_interval_ms: 100, pool_objects: 255, bugs: 2, pending_reboot: false, release: '5.10.134-17.al8.x86_64' },
    { host: 'db"07\\\n', enabled: false, sample_interval_ms: -1, pool_objects: 131071, bugs: 0, pending_reboot: true, release: '6.12.117+deb12-amd64' },
    { host: 'down-01', enabled: null, sample_interval_ms: null, pool_objects: null, bugs: null, pending_reboot: false, release: null },
  ];

  it('HELP and TYPE once per family, samples per host, unknown values left out', () => {
    const text = renderPrometheus(statuses);
    const lines = text.trimEnd().split('\n');
    for (const name of ['kfleet_kfence_enabled', 'kfleet_kfence_sample_interval_ms', 'kfleet_kfence_pool_objects', 'kfleet_kfence_bugs_total', 'kfleet_kfence_pending_reboot', 'kfleet_kernel_info']) {
      assert.equal(lines.filter((l) => l.startsWith(`# HELP ${name} `)).length, 1, name);
      assert.equal(lines.filter((l) => l.startsWith(`# TYPE ${name} `)).length, 1, name);
    }
    assert.ok(lines.includes('# TYPE kfleet_kfence_bugs_total counter'));
    assert.ok(lines.includes('kfleet_kfence_enabled{host="web-02"} 1'));
    assert.ok(lines.includes('kfleet_kfence_enabled{host="db\\"07\\\\\\n"} 0'));
    assert.ok(lines.includes('kfleet_kfence_sample_interval_ms{host="db\\"07\\\\\\n"} -1'));
    assert.ok(lines.includes('kfleet_kfence_pending_reboot{host="down-01"} 0'));
    assert.ok(!lines.some((l) => l.startsWith('kfleet_kfence_enabled{host="down-01"}')));
    assert.ok(lines.includes('kfleet_kernel_info{host="web-02",release="5.10.134-17.al8.x86_64"} 1'));
    assert.ok(text.endsWith('\n'));
    // every sample line is name{labels} value, and no raw newline hides inside a label
    for (const l of lines.filter((x) => !x.startsWith('#'))) assert.match(l, /^[a-z_]+\{(?:[a-z]+="(?:[^"\\\n]|\\.)*",?)+\} -?\d+$/);
    // hosts in name order within a family
    const enabledHosts = lines.filter((l) => l.startsWith('kfleet_kfence_bugs_total{')).map((l) => l.slice(0, 30));
    assert.deepEqual(enabledHosts, [...enabledHosts].sort());
  });

  it('escapeLabelValue', () => {
    assert.equal(escapeLabelValue('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
  });
});
