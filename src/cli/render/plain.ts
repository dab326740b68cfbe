// Plain line renderer: one line per meaningful event, for pipes, CI logs and non-TTY terminals.
import pc from 'picocolors';
import type { KfleetEvent } from '../../events.js';
import { formatErrorInfo } from '../report-error.js';

const STATUS_COLOUR: Record<string, (s: string) => string> = {
  ok: pc.green,
  changed: pc.yellow,
  rebooted: pc.yellow,
  pending_reboot: pc.magenta,
  failed: pc.red,
  unreachable: pc.red,
  refused: pc.red,
  reverted: pc.red,
  skipped: pc.dim,
};

export function colourStatus(s: string): string {
  return (STATUS_COLOUR[s] ?? ((x: string) => x))(s);
}

export function formatEvent(e: KfleetEvent, verbose = false): string | null {
  switch (e.type) {
    case 'phase.start':
      return pc.bold(`== phase ${e.phase}/${e.of}: ${e.hosts.length} host${e.hosts.length === 1 ? '' : 's'}${e.hosts.length <= 5 ? ` (${e.hosts.join(', ')})` : ''}`);
    case 'phase.end':
      return `== phase ${e.phase} ${e.verdict}: ${e.touched} changed, ${e.failed} failed`;
    case 'phase.soak':
      return `   soaking ${Math.round(e.ms / 1000)} s, watching the changed hosts`;
    case 'phase.wait_promote':
      return pc.bold(`   waiting for promotion: kfleet promote ${e.run}   (or kfleet abort ${e.run})`);
    case 'host.result': {
      const extra = e.pending_reboot && e.status !== 'pending_reboot' ? ' (reboot pending)' : '';
      const why = e.error ? `  ${formatErrorInfo(e.error)}` : e.detail && verbose ? `  ${e.detail}` : '';
      return `${e.host}  ${colourStatus(e.status)}${extra}${why}`;
    }
    case 'host.step':
      if (e.ok && !verbose) return null;
      return `${e.host}  ${e.ok ? 'set' : pc.red('FAILED')} ${e.knob}: ${e.path} <- ${e.value}${e.ok ? '' : ` (read back ${JSON.stringify(e.readback)}${e.error ? `, ${e.error}` : ''})`}`;
    case 'host.boot_args':
      if (e.ok && !verbose) return null;
      return `${e.host}  ${e.ok ? 'kernel args' : pc.red('kernel args FAILED')} +[${e.add.join(' ')}] -[${e.remove.join(' ')}]${e.error ? ` ${e.error}` : ''}`;
    case 'host.reboot':
      if (e.stage === 'fire') return `${e.host}  rebooting`;
      if (e.stage === 'up') return `${e.host}  back up in ${((e.ms ?? 0) / 1000).toFixed(1)} s (boot id ${e.boot_id?.slice(0, 8)})${verbose && e.detail ? `, ${e.detail}` : ''}`;
      if (e.stage === 'verified') return verbose ? `${e.host}  reboot verified` : null;
      return `${e.host}  ${pc.red(`reboot ${e.stage}`)}${e.detail ? `: ${e.detail}` : ''}`;
    case 'host.health':
      return e.ok ? null : `${e.host}  ${pc.red(`health: ${e.check}`)}${e.detail ? ` ${e.detail}` : ''}`;
    case 'host.finding':
      return `${e.host}  ${pc.magenta('KFENCE')} ${e.summary}`;
    case 'warning':
      return `${pc.yellow('warning')}${e.host ? ` ${e.host}` : ''}: ${e.message}`;
    case 'info':
      return e.message;
    case 'host.facts':
    case 'host.plan':
    case 'host.connect':
      return verbose && e.type === 'host.facts' ? `${e.host}  facts (${e.release}) in ${e.ms} ms` : null;
    default:
      return null;
  }
}

export function plainRenderer(out: NodeJS.WritableStream, verbose = false): (e: KfleetEvent) => void {
  return (e) => {
    const line = formatEvent(e, verbose);
    if (line !== null) out.write(line + '\n');
  };
}

export function ndjsonRenderer(out: NodeJS.WritableStream): (e: KfleetEvent) => void {
  return (e) => {
    out.write(JSON.stringify(e) + '\n');
  };
}
