// systemctl (enable/disable/is-enabled/is-active/is-system-running/daemon-reload/cat/start/reboot),
// reboot, shutdown -r, poweroff. Unit files live on the host's disk.

import { defineCommand, type Command, type ExecResult, type IFileSystem } from 'just-bash';
import type { Session, ShellHost } from './context.js';

const out = (stdout: string, stderr = '', exitCode = 0): ExecResult => ({ stdout, stderr, exitCode });
const UNIT_DIRS = ['/etc/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];

async function findUnit(fs: IFileSystem, unit: string): Promise<string | undefined> {
  for (const d of UNIT_DIRS) if (await fs.exists(`${d}/${unit}`)) return `${d}/${unit}`;
  return undefined;
}

/** Type=simple/exec/notify services run in the background (systemctl returns once they started);
 *  oneshot ones, and units without Type= (kept as the lab always ran them), are waited for. */
export function runsInBackground(text: string): boolean {
  const t = unitField(text, 'Type')[0];
  return t === 'simple' || t === 'exec' || t === 'notify';
}

export function unitField(text: string, key: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

function withSuffix(u: string): string {
  return u.includes('.') ? u : `${u}.service`;
}

export function systemdCommands(host: ShellHost, session: Session): Command[] {
  const denied = (verb: string) => out('', `Failed to ${verb}: Access denied\n`, 1);
  const reboot = () => {
    if (session.uid !== 0) return out('', 'Failed to set wall message, ignoring: Interactive authentication required.\nFailed to reboot system via logind: Interactive authentication required.\nFailed to start reboot.target: Interactive authentication required.\n', 1);
    host.requestReboot();
    return out('');
  };

  const systemctl = defineCommand('systemctl', async (args, ctx) => {
    const words = args.filter((a) => !a.startsWith('-'));
    const verb = words[0] ?? 'list-units';
    const units = words.slice(1).map(withSuffix);
    const fs = ctx.fs;
    switch (verb) {
      case 'reboot':
        return reboot();
      case 'daemon-reload':
        return session.uid === 0 ? out('') : denied('reload daemon');
      case 'is-system-running': {
        const failed = [...host.unitResults().values()].some((r) => !r.ok);
        return failed ? out('degraded\n', '', 1) : out('running\n');
      }
      case 'enable':
      case 'disable': {
        if (session.uid !== 0) return denied(`${verb} unit`);
        let stderr = '';
        for (const u of units) {
          const path = await findUnit(fs, u);
          if (!path) return out('', stderr + `Failed to ${verb} unit: Unit file ${u} does not exist.\n`, 1);
          const text = await fs.readFile(path);
          const targets = unitField(text, 'WantedBy').flatMap((t) => t.split(/\s+/)).filter(Boolean);
          if (targets.length === 0) {
            stderr += `The unit files have no installation config (WantedBy=, RequiredBy=, Also=,\nAlias= settings in the [Install] section, and DefaultInstance= for template\nunits). This means they are not meant to be enabled using systemctl.\n`;
            continue;
          }
          for (const t of targets) {
            const link = `/etc/systemd/system/${t}.wants/${u}`;
            const exists = await fs.lstat(link).then(() => true, () => false);
            if (verb === 'enable' && !exists) {
              await fs.mkdir(`/etc/systemd/system/${t}.wants`, { recursive: true });
              await fs.symlink(path, link);
              stderr += `Created symlink ${link} \u2192 ${path}.\n`;
            } else if (verb === 'disable' && exists) {
              await fs.rm(link);
              stderr += `Removed ${link}.\n`;
            }
          }
          if (verb === 'enable' && args.includes('--now')) await host.runUnit(u, unitField(text, 'ExecStart')[0] ?? '', { background: runsInBackground(text) });
        }
        return out('', stderr);
      }
      case 'is-enabled': {
        const u = units[0] ?? '';
        const path = await findUnit(fs, u);
        if (!path) return out('', `Failed to get unit file state for ${u}: No such file or directory\n`, 1);
        const targets = unitField(await fs.readFile(path), 'WantedBy').flatMap((t) => t.split(/\s+/)).filter(Boolean);
        if (targets.length === 0) return out('static\n');
        for (const t of targets) if (await fs.lstat(`/etc/systemd/system/${t}.wants/${u}`).then(() => true, () => false)) return out('enabled\n');
        return out('disabled\n', '', 1);
      }
      case 'is-active': {
        const u = units[0] ?? '';
        if (u === 'sshd.service' || u === 'ssh.service') return out('active\n');
        if (host.runningUnits().has(u)) return out('active\n');
        const r = host.unitResults().get(u);
        if (!r) return out('inactive\n', '', 3);
        return r.ok ? out('active\n') : out('failed\n', '', 3);
      }
      case 'cat': {
        let text = '';
        for (const u of units) {
          const path = await findUnit(fs, u);
          if (!path) return out(text, `No files found for ${u}.\n`, 1);
          text += `# ${path}\n${await fs.readFile(path)}`;
        }
        return out(text);
      }
      case 'start':
      case 'restart': {
        if (session.uid !== 0) return denied(`start ${units[0] ?? ''}`);
        for (const u of units) {
          const path = await findUnit(fs, u);
          if (!path) return out('', `Failed to start ${u}: Unit ${u} not found.\n`, 5);
          const text = await fs.readFile(path);
          const r = await host.runUnit(u, unitField(text, 'ExecStart')[0] ?? '', { background: runsInBackground(text) });
          if (!r.ok) return out('', `Job for ${u} failed because the control process exited with error code.\nSee "systemctl status ${u}" and "journalctl -xe" for details.\n`, 1);
        }
        return out('');
      }
      case 'stop': {
        if (session.uid !== 0) return denied(`stop ${units[0] ?? ''}`);
        for (const u of units) if (!host.stopUnit(u) && !(await findUnit(fs, u))) return out('', `Failed to stop ${u}: Unit ${u} not loaded.\n`, 5);
        return out('');
      }
      case 'status': {
        const u = units[0] ?? '';
        const r = host.unitResults().get(u);
        const state = u.startsWith('ssh') || host.runningUnits().has(u) ? 'active (running)' : r ? (r.ok ? 'active (exited)' : 'failed (Result: exit-code)') : 'inactive (dead)';
        return out(`\u25cf ${u}\n   Loaded: loaded\n   Active: ${state}\n${r?.output ?? ''}`, '', r && !r.ok ? 3 : state.startsWith('inactive') ? 3 : 0);
      }
      default:
        return out('', `Unknown command verb ${verb}.\n`, 1);
    }
  });

  const rebootCmd = defineCommand('reboot', async () => reboot());
  const shutdown = defineCommand('shutdown', async (args) => {
    if (args.includes('-r') || args.includes('--reboot')) return reboot();
    return out('', 'shutdown: lab hosts only support shutdown -r\n', 1);
  });
  return [systemctl, rebootCmd, shutdown];
}
