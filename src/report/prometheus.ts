// `kfleet status --prometheus`: per-host KFENCE state in the node_exporter textfile collector
// format (Prometheus text exposition 0.0.4): one HELP and one TYPE line per metric family, then
// its samples. Label values are escaped (backslash, double quote, newline); a value kfleet does
// not know is left out rather than reported as 0.

export interface HostKfenceStatus {
  host: string;
  /** `stats` enabled (or sample_interval != 0); null when unknown (unreachable, no debugfs). */
  enabled: boolean | null;
  /** Live `sample_interval` in ms (negative on Alinux full mode), null when unknown. */
  sample_interval_ms: number | null;
  /** Pool size in objects (`num_objects`, or CONFIG_KFENCE_NUM_OBJECTS upstream), null when unknown. */
  pool_objects: number | null;
  /** `total bugs` since boot, null when unknown. */
  bugs: number | null;
  pending_reboot: boolean;
  /** `uname -r`, null when unknown. */
  release: string | null;
}

export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function escapeHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

interface Family {
  name: string;
  help: string;
  type: 'gauge' | 'counter';
  value: (s: HostKfenceStatus) => number | null;
}

const FAMILIES: Family[] = [
  { name: 'kfleet_kfence_enabled', help: 'Whether KFENCE is enabled on the host (1) or not (0).', type: 'gauge', value: (s) => (s.enabled === null ? null : s.enabled ? 1 : 0) },
  { name: 'kfleet_kfence_sample_interval_ms', help: 'Live KFENCE sample_interval in milliseconds (0 = off, negative = Alinux full mode).', type: 'gauge', value: (s) => s.sample_interval_ms },
  { name: 'kfleet_kfence_pool_objects', help: 'KFENCE pool size in objects.', type: 'gauge', value: (s) => s.pool_objects },
  { name: 'kfleet_kfence_bugs_total', help: 'KFENCE reports (total bugs) since the host booted.', type: 'counter', value: (s) => s.bugs },
  { name: 'kfleet_kfence_pending_reboot', help: 'Whether the next boot would change KFENCE on the host (1) or not (0): the default boot entry carries kfence args this boot did not boot with, and they yield a state the live kernel does not already have.', type: 'gauge', value: (s) => (s.pending_reboot ? 1 : 0) },
];

/** Render the textfile; hosts are sorted by name so the output is stable. */
export function renderPrometheus(statuses: readonly HostKfenceStatus[]): string {
  const hosts = [...statuses].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0));
  const out: string[] = [];
  for (const f of FAMILIES) {
    out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
    for (const s of hosts) {
      const v = f.value(s);
      if (v === null) continue;
      out.push(`${f.name}{host="${escapeLabelValue(s.host)}"} ${num(v)}`);
    }
  }
  out.push('# HELP kfleet_kernel_info Kernel release of the host (value is always 1).', '# TYPE kfleet_kernel_info gauge');
  for (const s of hosts) {
    if (s.release === null) continue;
    out.push(`kfleet_kernel_info{host="${escapeLabelValue(s.host)}",release="${escapeLabelValue(s.release)}"} 1`);
  }
  return `${out.join('\n')}\n`;
}
