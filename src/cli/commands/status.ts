// kfleet status: per host, KFENCE as it is now (mode, interval, pool, fault, slab selection,
// pending reboot, bugs), from one probe per host. --json, or --prometheus for node_exporter.
import type { Command } from 'commander';
import pc from 'picocolors';
import { EXIT } from '../../errors.js';
import { EventBus } from '../../events.js';
import { loadInventory } from '../../inventory/load.js';
import { matchPattern } from '../../inventory/pattern.js';
import { renderPrometheus } from '../../report/prometheus.js';
import { addFleetOptions, intOption, type FleetCliOptions } from '../options.js';
import { fleetPorts, transportFromOptions } from '../fleet-ports.js';
import { fanOut, hostErrorOf, overSessions } from '../../rollout/index.js';
import { statusView, type HostStatusView } from '../status-view.js';

interface StatusOptions extends FleetCliOptions {
  prometheus?: boolean;
}

export function register(program: Command): void {
  const cmd = program.command('status').description('show KFENCE on every host: mode, interval, pool, fault, slabs, pending reboot, bugs').argument('[pattern]', 'host pattern', 'all');
  addFleetOptions(cmd)
    .option('--prometheus', 'node_exporter textfile format')
    .action(async (pattern: string, o: StatusOptions) => {
      process.exitCode = await status(pattern, o);
    });
}

type Row = HostStatusView | { host: string; error: { code: string; message: string } };

const pick = (e: { code: string; message: string }) => ({ code: e.code, message: e.message });

export async function status(pattern: string, o: StatusOptions): Promise<number> {
  const inv = await loadInventory(o.inventory);
  const hosts = matchPattern(inv, pattern, { limit: o.limit });
  const forks = intOption(o.forks, '--forks', 50);
  const bus = new EventBus();
  const transport = await transportFromOptions(o, bus, forks);
  const ports = fleetPorts({ hosts, transport, plan: () => { throw new Error('status does not plan'); } });
  const reached = await fanOut(hosts.map((h) => h.name), forks, overSessions(ports.connect, async (session, host) => statusView(await ports.collect(session, host))));
  const rows: Row[] = reached.map((r) => (r.ok ? r.value : { host: r.host, error: pick(hostErrorOf(r.error)) }));
  const failed = rows.filter((r) => 'error' in r).length;
  if (o.prometheus) {
    process.stdout.write(
      renderPrometheus(
        rows.filter((r): r is HostStatusView => !('error' in r)).map((r) => ({ host: r.host, enabled: r.enabled, sample_interval_ms: r.sample_interval, pool_objects: r.pool_objects, bugs: r.bugs, pending_reboot: r.pending_reboot, release: r.release })),
      ),
    );
  } else if (o.json) {
    process.stdout.write(JSON.stringify({ hosts: rows }, null, 2) + '\n');
  } else {
    process.stdout.write(formatStatusTable(rows));
  }
  return failed ? EXIT.FAILED : EXIT.OK;
}

export function formatStatusTable(rows: Row[]): string {
  const head = ['HOST', 'KERNEL', 'MODE', 'INTERVAL', 'POOL', 'FAULT', 'SLABS', 'NEXT BOOT', 'BUGS', 'BOOTLOADER'];
  const body = rows.map((r) =>
    'error' in r
      ? [r.host, pc.red(r.error.code), r.error.message.slice(0, 60), '', '', '', '', '', '', '']
      : [r.host, r.release, r.mode, r.sample_interval === null ? '-' : String(r.sample_interval), r.pool_objects === null ? '-' : `${r.pool_objects}${r.pool_mode === 'node' ? '/node' : ''}`, r.fault ?? '-', r.slabs, r.pending_reboot ? pc.magenta(r.pending_args.map((a) => (a.startsWith('-') ? a : `+${a}`)).join(' ')) : '-', r.bugs === null ? '-' : r.bugs > 0 ? pc.red(String(r.bugs)) : '0', r.bootloader ?? 'none'],
  );
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => strip(b[i] ?? '').length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c + ' '.repeat(Math.max(0, widths[i]! - strip(c).length))).join('  ').trimEnd();
  return [pc.bold(fmt(head)), ...body.map(fmt)].join('\n') + '\n';
}
