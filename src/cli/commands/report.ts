// kfleet report: KFENCE findings across the fleet, deduplicated by signature. Reads each host's
// kernel log from where the last report left off (a cursor per host under the state directory),
// so repeated reports cost only what is new.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import pLimit from 'p-limit';
import { EXIT, KfleetError } from '../../errors.js';
import { EventBus } from '../../events.js';
import { loadInventory } from '../../inventory/load.js';
import { matchPattern } from '../../inventory/pattern.js';
import { buildFindings, kernelLogCommand, readNewKernelLog, renderFindingsHtml, renderFindingsJson, renderFindingsTable, type HostScan } from '../../report/index.js';
import type { HostReports } from '../../report/types.js';
import { loadHostLog, saveHostLog } from '../../report/log-store.js';
import { journalPath, listRuns, readJournal } from '../../rollout/journal.js';
import type { HostSession } from '../../transport/types.js';
import { addFleetOptions, intOption, type FleetCliOptions } from '../options.js';
import { fleetPorts, transportFromOptions } from '../fleet-ports.js';
import { defaultStateDir } from '../targets.js';

interface ReportOptions extends FleetCliOptions {
  html?: string;
  since?: string;
  stateDir?: string;
  source?: 'dmesg' | 'journal';
}

export function register(program: Command): void {
  const cmd = program.command('report').description('KFENCE findings across the fleet, deduplicated by signature (kind, access, top frames, module)').argument('[pattern]', 'host pattern', 'all');
  addFleetOptions(cmd)
    .option('--html <file>', 'also write a self-contained HTML report (sortable, filterable, per-host drill-down; with --since RUN, that run\'s rollout timeline too)')
    .option('--since <run|time>', 'only findings after a run started (its id) or a time (ISO, or 30m / 2h / 7d ago)')
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

async function readHost(session: HostSession, host: string, stateDir: string, source: 'dmesg' | 'journal', timeoutMs: number): Promise<HostReports & { total_bugs: number | null }> {
  const state = loadHostLog(stateDir, host);
  const head = `cat /proc/sys/kernel/random/boot_id; cut -d' ' -f1 /proc/uptime; uname -r; sed -n 's/^[[:space:]]*total bugs[[:space:]]*:[[:space:]]*//p' /sys/kernel/debug/kfence/stats 2>/dev/null | head -n 1; echo @@kfleet-log`;
  const run = async (cursor: typeof state.cursor) => {
    const r = await session.exec(`${head}; ${kernelLogCommand(cursor, source)}`, { become: true, timeoutMs, maxOutputBytes: 64 * 1024 * 1024 });
    const [meta = '', log = ''] = r.stdout.split('@@kfleet-log\n');
    const [bootId = '', uptime = '0', release = '', bugs = ''] = meta.split('\n');
    return { bootId: bootId.trim(), uptime: Number(uptime), release: release.trim(), bugs: bugs.trim() === '' ? null : Number(bugs), log };
  };
  let got = await run(state.cursor);
  if (state.cursor && state.cursor.boot_id !== got.bootId) got = await run(null); // a new boot: read it whole
  const res = readNewKernelLog(got.log, got.bootId, state.cursor);
  const reports = res.reset ? res.reports : [...state.reports, ...res.reports];
  const bootTime = new Date(Date.now() - got.uptime * 1000).toISOString();
  saveHostLog(stateDir, { host, cursor: res.cursor, boot_time: res.reset || !state.boot_time ? bootTime : state.boot_time, release: got.release, reports });
  return { host, release: got.release, boot_time: res.reset || !state.boot_time ? bootTime : state.boot_time, reports, total_bugs: got.bugs };
}

async function report(pattern: string, o: ReportOptions): Promise<number> {
  const inv = await loadInventory(o.inventory);
  const hosts = matchPattern(inv, pattern, { limit: o.limit });
  const stateDir = o.stateDir ?? defaultStateDir(o.inventory);
  const since = o.since ? resolveSince(o.since, stateDir) : undefined;
  const forks = intOption(o.forks, '--forks', 50);
  const transport = await transportFromOptions(o, new EventBus(), forks);
  const ports = fleetPorts({ hosts, transport, plan: () => { throw new Error('report does not plan'); } });
  const timeoutMs = intOption(o.commandTimeout, '--command-timeout', 120) * 1000;
  const limit = pLimit(forks);
  const scans: HostScan[] = [];
  const per: HostReports[] = [];
  await Promise.all(
    hosts.map((h) =>
      limit(async () => {
        let session;
        try {
          session = await ports.connect(h.name);
          const r = await readHost(session, h.name, stateDir, o.source ?? 'dmesg', timeoutMs);
          per.push(r);
          scans.push({ host: h.name, release: r.release ?? null, reports: r.reports.length, total_bugs: r.total_bugs });
        } catch (e) {
          scans.push({ host: h.name, release: null, reports: 0, error: (e as Error).message });
        } finally {
          await session?.close().catch(() => {});
        }
      }),
    ),
  );
  const order = new Map(hosts.map((h, i) => [h.name, i]));
  scans.sort((a, b) => order.get(a.host)! - order.get(b.host)!);
  per.sort((a, b) => order.get(a.host)! - order.get(b.host)!);
  const findings = buildFindings(per, since ? { since } : {});
  const generated_at = new Date().toISOString();
  const timeline = o.since && listRuns(stateDir).includes(o.since) ? { timeline: readJournal(journalPath(stateDir, o.since)) } : {};
  if (o.html) writeFileSync(o.html, renderFindingsHtml(findings, { hosts: scans, generated_at, ...(since ? { since } : {}), ...timeline }));
  if (o.json) process.stdout.write(renderFindingsJson({ findings, hosts: scans, generated_at, ...(since ? { since } : {}) }));
  else {
    process.stdout.write(renderFindingsTable(findings));
    const failed = scans.filter((s) => s.error);
    for (const s of failed) process.stdout.write(`${s.host}: not read: ${s.error}\n`);
    process.stdout.write(`${findings.length} finding(s) on ${new Set(findings.flatMap((f) => f.hosts.map((x) => x.host))).size} of ${scans.length} hosts${o.html ? `; HTML report: ${o.html}` : ''}\n`);
  }
  return scans.some((s) => s.error) ? EXIT.FAILED : EXIT.OK;
}
