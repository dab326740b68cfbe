// kfleet report: KFENCE findings across the fleet, deduplicated by signature. Reads each host's
// kernel log from where the last report left off (a cursor per host under the state directory),
// so repeated reports cost only what is new.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { EXIT, KfleetError } from '../../errors.js';
import { EventBus } from '../../events.js';
import { loadInventory } from '../../inventory/load.js';
import { matchPattern } from '../../inventory/pattern.js';
import { buildFindings, kfenceReadCommand, parseKfenceRead, renderFindingsHtml, renderFindingsJson, renderFindingsTable, type HostScan } from '../../report/index.js';
import type { HostReports } from '../../report/types.js';
import { loadHostLog, saveHostLog } from '../../report/log-store.js';
import { reportsFromLog } from '../../report/log-file.js';
import { exposureReport, modeOf, type Observation } from '../../report/exposure.js';
import { guardedAllocations } from '../../report/parse-stats.js';
import { DEFAULT_MAX_TITLES, renderFindingsPrometheus } from '../../report/prometheus-findings.js';
import { exposureLine } from '../../report/render-exposure.js';
import { symbolizeReports } from '../../report/symbolize.js';
import { bootKey, fingerprint, parsePastBoots, pastBootsCommand, pastReports } from '../../report/boot-sources.js';
import { journalPath, listRuns, readJournal } from '../../rollout/journal.js';
import { fanOut, overSessions } from '../../rollout/index.js';
import type { HostSession } from '../../transport/types.js';
import { addFleetOptions, intOption, type FleetCliOptions } from '../options.js';
import { fleetPorts, transportFromOptions } from '../fleet-ports.js';
import { defaultStateDir } from '../targets.js';

interface ReportOptions extends FleetCliOptions {
  html?: string;
  since?: string;
  stateDir?: string;
  source?: 'dmesg' | 'journal';
  byRelease?: boolean;
  log?: string[];
  prometheus?: string;
  maxTitles?: string;
  symbolize?: boolean;
  debugDir?: string[];
  debugFile?: string[];
}

const collect = (v: string, prev: string[] = []): string[] => [...prev, v];

export function register(program: Command): void {
  const cmd = program.command('report').description("KFENCE findings across the fleet, titled as syzkaller titles them and deduplicated by syzkaller's rule (titles or alternative titles intersect)").argument('[pattern]', 'host pattern', 'all');
  addFleetOptions(cmd, { inventoryRequired: false })
    .option('--html <file>', 'also write a self-contained HTML report (sortable, filterable, per-host drill-down; with --since RUN, that run\'s rollout timeline too)')
    .option('--since <run|time>', 'only findings after a run started (its id) or a time (ISO, or 30m / 2h / 7d ago)')
    .option('--log <file...>', 'read saved kernel logs instead of hosts (console capture, dmesg with or without stamps, journalctl -k, vmcore-dmesg.txt, netconsole; .gz accepted); each file is one "host"')
    .option('--prometheus <file>', 'also write findings and exposure in the Prometheus textfile format (kfleet_kfence_findings_total{title=...})')
    .option('--max-titles <n>', 'at most this many title labels in --prometheus; the rest are summed as title="other"', String(DEFAULT_MAX_TITLES))
    .option('--symbolize', 'resolve stack frames to file:line (inlines included) with addr2line/llvm-symbolizer; needs --debug-dir or --debug-file')
    .option('--debug-dir <dir>', 'where debug files are (repeatable, searched in order): .build-id/ab/cdef.debug (also under usr/lib/debug), usr/lib/debug/boot/vmlinux-RELEASE, lib/modules/RELEASE/.../mod.ko, or a module build directory holding mod.ko', collect)
    .option('--debug-file <file>', 'a debug file to use first (repeatable): mod.ko or mod.ko.debug (unstripped, for module mod), vmlinux', collect)
    .option('--by-release', 'one finding per bug and kernel release (the same title on two releases is two findings)')
    .option('--state-dir <dir>', 'where the per-host log cursors live (default .kfleet/ beside the inventory)')
    .option('--source <source>', 'kernel log source: dmesg (default) or journal (journalctl -k, where dmesg is restricted)', 'dmesg')
    .action(async (pattern: string, o: ReportOptions) => {
      process.exitCode = await report(pattern, o);
    });
}

export function resolveSince(since: string, stateDir: string, now = Date.now()): string {
  if (listRuns(stateDir).includes(since)) {
    const first = readJournal(journalPath(stateDir, since))[0];
    if (first) return first.ts;
  }
  const rel = /^(\d+)(m|h|d)$/.exec(since);
  if (rel) return new Date(now - Number(rel[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[rel[2] as 'm' | 'h' | 'd']).toISOString();
  const t = Date.parse(since);
  if (Number.isNaN(t)) throw new KfleetError('USAGE', `--since ${JSON.stringify(since)} is neither a run id in ${stateDir} nor a time`, { exitCode: EXIT.INPUT, hint: 'use a run id from `kfleet runs`, an ISO time like 2026-11-25T10:00:00Z, or 30m / 2h / 7d' });
  return new Date(t).toISOString();
}

interface HostRead {
  observations: Observation[];
  current: HostReports;
  past: HostReports[];
  total_bugs: number | null;
  unreadable: HostScan['unreadable'];
}

async function readHost(session: HostSession, host: string, stateDir: string, source: 'dmesg' | 'journal', timeoutMs: number): Promise<HostRead> {
  const state = loadHostLog(stateDir, host);
  const exec = async (cmd: string) => (await session.exec(cmd, { become: true, timeoutMs, maxOutputBytes: 64 * 1024 * 1024 })).stdout;
  const run = async (cursor: typeof state.cursor) => parseKfenceRead(await exec(kfenceReadCommand(cursor, source)), cursor);
  let got = await run(state.cursor);
  if (state.cursor && state.cursor.boot_id !== got.boot_id) got = await run(null); // a new boot: read it whole
  const res = got.log;
  const unreadable: NonNullable<HostScan['unreadable']> = [...(res ? [] : (['kernel log'] as const)), ...(got.stats ? [] : (['stats'] as const))];
  const reset = res ? res.reset : state.cursor?.boot_id !== got.boot_id;
  const boot_cursors = { ...state.boot_cursors };
  let past = [...(state.past ?? [])];
  if (reset && state.cursor) {
    // The boot that was being read ended: its live reports become past, its journal is read from the cursor on.
    boot_cursors[bootKey(state.cursor.boot_id)] = state.cursor;
    if (state.reports.length) past.push({ source: 'live', boot: bootKey(state.cursor.boot_id), reports: state.reports });
  }
  const fresh = res?.reports ?? [];
  let known = { ...state.known };
  for (const r of fresh) known[fingerprint(r)] = 1;
  const reports = reset ? fresh : [...state.reports, ...fresh];
  // Ended boots: the journal's previous boots, pstore records, kdump's vmcore-dmesg.txt; each read once.
  const seen = { boots: [...(state.read_boots ?? []), bootKey(got.boot_id)], files: state.read_files ?? [] };
  const older = pastReports(parsePastBoots(await exec(pastBootsCommand(seen))), boot_cursors, known);
  known = older.known;
  past = [...past, ...older.sources];
  for (const b of older.read_boots) delete boot_cursors[b];
  const bootTime = new Date(Date.now() - (got.uptime_s ?? 0) * 1000).toISOString();
  const boot_time = reset || !state.boot_time ? bootTime : state.boot_time;
  const observation: Observation = {
    at: new Date().toISOString(),
    boot_id: got.boot_id,
    uptime_s: got.uptime_s,
    mode: modeOf(got.sample_interval) ?? (got.stats?.enabled === false ? 'off' : null),
    cmdline_on: got.cmdline_on,
    allocations: guardedAllocations(got.stats),
  };
  const observations = [...(state.observations ?? []), observation];
  saveHostLog(stateDir, {
    host,
    observations,
    cursor: res ? res.cursor : state.cursor,
    boot_time,
    release: got.release,
    reports,
    boot_cursors,
    read_boots: [...(state.read_boots ?? []), ...older.read_boots],
    read_files: [...(state.read_files ?? []), ...older.read_files],
    known,
    past,
  });
  const current: HostReports = { host, release: got.release, boot_time, reports };
  return { observations, current, past: past.map((p) => ({ host, reports: p.reports })), total_bugs: got.bugs, unreadable };
}

/** Findings from saved logs only: no inventory, no host, no state. */
function reportLogs(files: string[], o: ReportOptions): number {
  const per = files.map((f) => reportsFromLog(f));
  const scans: HostScan[] = per.map((p) => ({ host: p.host, release: p.release ?? null, reports: p.reports.length }));
  return render(per, scans, o, undefined, null);
}

interface Cohorts {
  observations: Map<string, Observation[]>;
  releases: Map<string, string>;
  groups: Record<string, string[]>;
}

function render(per: HostReports[], scans: HostScan[], o: ReportOptions, since: string | undefined, cohorts: Cohorts | null): number {
  const sym = o.symbolize ? symbolizeReports(per, { debugDirs: o.debugDir ?? [], debugFiles: o.debugFile ?? [] }) : null;
  const findings = buildFindings(per, { ...(since ? { since } : {}), ...(o.byRelease ? { byRelease: true } : {}) });
  const generated_at = new Date().toISOString();
  const exposure = cohorts ? exposureReport({ observations: cohorts.observations, findings, ...(since ? { since } : {}) }, cohorts.releases, cohorts.groups) : undefined;
  const extra = { hosts: scans, generated_at, ...(since ? { since } : {}), ...(exposure ? { exposure } : {}) };
  const runDir = o.stateDir ?? defaultStateDir(o.inventory ?? []);
  const timeline = o.html && o.since && listRuns(runDir).includes(o.since) ? { timeline: readJournal(journalPath(runDir, o.since)) } : {};
  if (o.html) writeFileSync(o.html, renderFindingsHtml(findings, { ...extra, ...timeline }));
  if (o.prometheus) writeFileSync(o.prometheus, renderFindingsPrometheus(findings, exposure ?? null, intOption(o.maxTitles, '--max-titles', DEFAULT_MAX_TITLES)));
  if (o.json) process.stdout.write(renderFindingsJson({ findings, ...extra }));
  else {
    process.stdout.write(renderFindingsTable(findings));
    if (exposure) process.stdout.write(exposureLine(exposure.fleet));
    if (sym) process.stdout.write(`symbolized ${sym.resolved} frame(s); ${sym.unresolved} left as printed (marked unresolved in --json and --html)\n`);
    const failed = scans.filter((s) => s.error);
    for (const s of failed) process.stdout.write(`${s.host}: not read: ${s.error}\n`);
    for (const s of scans.filter((x) => x.unreadable?.length)) process.stdout.write(`${s.host}: cannot read its ${s.unreadable!.join(' or ')}${s.unreadable!.length === 2 ? ': KFENCE findings on this host cannot be observed' : ''}\n`);
    process.stdout.write(`${findings.length} finding(s) on ${new Set(findings.flatMap((f) => f.hosts.map((x) => x.host))).size} of ${scans.length} ${o.log ? 'logs' : 'hosts'}${o.html ? `; HTML report: ${o.html}` : ''}\n`);
  }
  return scans.some((s) => s.error) ? EXIT.FAILED : EXIT.OK;
}

async function report(pattern: string, o: ReportOptions): Promise<number> {
  if (o.symbolize && !o.debugDir?.length && !o.debugFile?.length) {
    throw new KfleetError('USAGE', '--symbolize needs --debug-dir DIR or --debug-file FILE (where vmlinux and module debug files are)', { exitCode: EXIT.INPUT, hint: 'e.g. --debug-dir / to use /usr/lib/debug/.build-id and /usr/lib/debug/boot/vmlinux-RELEASE, or --debug-file ./mymod.ko for an unstripped module' });
  }
  if (o.log?.length) return reportLogs(o.log, o);
  if (!o.inventory?.length) throw new KfleetError('USAGE', 'kfleet report needs hosts (-i INVENTORY) or saved logs (--log FILE...)', { exitCode: EXIT.INPUT, hint: 'e.g. kfleet report -i inventory.ini, or kfleet report --log console.txt' });
  const inv = await loadInventory(o.inventory);
  const hosts = matchPattern(inv, pattern, { limit: o.limit });
  const stateDir = o.stateDir ?? defaultStateDir(o.inventory);
  const since = o.since ? resolveSince(o.since, stateDir) : undefined;
  const forks = intOption(o.forks, '--forks', 50);
  const transport = await transportFromOptions(o, new EventBus(), forks);
  const ports = fleetPorts({ hosts, transport, plan: () => { throw new Error('report does not plan'); } });
  const timeoutMs = intOption(o.commandTimeout, '--command-timeout', 120) * 1000;
  const scans: HostScan[] = [];
  const per: HostReports[] = [];
  const reads: { host: string; observations: Observation[] }[] = [];
  const reached = await fanOut(hosts.map((h) => h.name), forks, overSessions(ports.connect, (session, host) => readHost(session, host, stateDir, o.source ?? 'dmesg', timeoutMs)));
  for (const x of reached) {
    if (!x.ok) {
      scans.push({ host: x.host, release: null, reports: 0, error: (x.error as Error).message });
      continue;
    }
    const r = x.value;
    per.push(r.current, ...r.past);
    reads.push({ host: x.host, observations: r.observations });
    const n = r.current.reports.length + r.past.reduce((k, p) => k + p.reports.length, 0);
    scans.push({ host: x.host, release: r.current.release ?? null, reports: n, total_bugs: r.total_bugs, ...(r.unreadable?.length ? { unreadable: r.unreadable } : {}) });
  }
  const order = new Map(hosts.map((h, i) => [h.name, i]));
  scans.sort((a, b) => order.get(a.host)! - order.get(b.host)!);
  per.sort((a, b) => order.get(a.host)! - order.get(b.host)!); // stable: a host's current boot stays first
  const observations = new Map<string, Observation[]>(reads.map((r) => [r.host, r.observations]));
  const releases = new Map<string, string>(per.filter((p) => p.release).map((p) => [p.host, p.release!]));
  const scanned = new Set(scans.filter((x) => !x.error).map((x) => x.host));
  const groups: Record<string, string[]> = {};
  for (const h of hosts) for (const g of h.groups) if (g !== 'all' && scanned.has(h.name)) (groups[g] ??= []).push(h.name);
  return render(per, scans, o, since, { observations, releases, groups });
}
