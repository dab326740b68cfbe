// `kfleet config [--json]`: the settings kfleet shares with Ansible, each with its effective value
// and where it came from (an ANSIBLE_* variable, the ansible.cfg in use, or the default), like
// `ansible-config dump --only-changed`. Flags given to a command override all of these.
import type { Command } from 'commander';
import { effectiveConfig } from '../../config/settings.js';

const show = (v: unknown): string => (v === undefined ? '-' : Array.isArray(v) ? v.join(', ') : String(v));

export function register(program: Command): void {
  program
    .command('config')
    .description('show the settings taken from ansible.cfg and ANSIBLE_* variables, and where each came from')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      const cfg = effectiveConfig();
      for (const w of cfg.warnings) process.stderr.write(`warning: ${w}\n`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(cfg, null, 2)}\n`);
        return;
      }
      const lines = [cfg.configFile ? `config file: ${cfg.configFile}` : `config file: none (looked in ${cfg.searched.join(', ')})`];
      const rows = cfg.settings.map((s) => [s.name, show(s.value), s.source, s.use]);
      const width = (i: number) => Math.max(...rows.map((r) => r[i]!.length));
      for (const r of rows) lines.push(`${r[0]!.padEnd(width(0))}  ${r[1]!.padEnd(width(1))}  ${r[2]!.padEnd(width(2))}  ${r[3]}`);
      lines.push('flags given to a command override these; "default" means kfleet\'s own default applies');
      process.stdout.write(`${lines.join('\n')}\n`);
    });
}
