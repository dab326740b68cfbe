// sysctl (the procps one: NAME, -n, -w NAME=VALUE, -p/--system reading the sysctl.d files) over the
// host's runtime sysctls, and kdumpctl (RHEL's kdump front end: start, status, showmem), which
// loads the crash kernel only into memory reserved with crashkernel= (as `kexec -p` does).

import { defineCommand, type Command, type ExecResult, type IFileSystem } from 'just-bash';
import type { Session, ShellHost } from './context.js';

const out = (stdout: string, stderr = '', exitCode = 0): ExecResult => ({ stdout, stderr, exitCode });

/** The sysctl.d files systemd-sysctl reads at boot, in its order (later wins). */
export const SYSCTL_DIRS = ['/usr/lib/sysctl.d', '/run/sysctl.d', '/etc/sysctl.d'];

/** NAME = VALUE lines of /etc/sysctl.conf and every sysctl.d/*.conf (by file name; /etc overrides). */
export async function sysctlFiles(fs: IFileSystem): Promise<Map<string, string>> {
  const byName = new Map<string, string>();
  for (const d of SYSCTL_DIRS) {
    if (!(await fs.exists(d))) continue;
    for (const n of await fs.readdir(d)) if (n.endsWith('.conf')) byName.set(n, `${d}/${n}`);
  }
  const files = [...byName.keys()].sort().map((n) => byName.get(n)!);
  if (await fs.exists('/etc/sysctl.conf')) files.push('/etc/sysctl.conf');
  const vars = new Map<string, string>();
  for (const f of files) {
    for (const raw of (await fs.readFile(f)).split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) continue;
      const i = line.indexOf('=');
      if (i > 0) vars.set(line.slice(0, i).trim().replace(/^-/, '').replace(/\//g, '.'), line.slice(i + 1).trim());
    }
  }
  return vars;
}

export function sysctlCommands(host: ShellHost, session: Session): Command[] {
  const sysctl = defineCommand('sysctl', async (args, ctx) => {
    const values = host.sysctls();
    const bare = args.includes('-n') || args.includes('--values');
    const names = args.filter((a) => !a.startsWith('-'));
    const write = args.includes('-w') || names.some((n) => n.includes('='));
    if (args.includes('--system') || args.includes('-p')) {
      if (session.uid !== 0) return out('', 'sysctl: permission denied on key "kernel.panic"\n', 1);
      let text = '';
      for (const [k, v] of await sysctlFiles(ctx.fs)) if (values.has(k)) (values.set(k, v), (text += `${k} = ${v}\n`));
      return out(text);
    }
    let stdout = '';
    let stderr = '';
    let code = 0;
    for (const n of names) {
      const [key, val] = n.includes('=') ? [n.slice(0, n.indexOf('=')), n.slice(n.indexOf('=') + 1)] : [n, undefined];
      const k = key!.replace(/\//g, '.');
      if (!values.has(k)) {
        stderr += `sysctl: cannot stat /proc/sys/${k.replace(/\./g, '/')}: No such file or directory\n`;
        code = 255;
        continue;
      }
      if (write && val !== undefined) {
        if (session.uid !== 0) {
          stderr += `sysctl: permission denied on key "${k}"\n`;
          code = 255;
          continue;
        }
        if (!/^-?\d+$/.test(val.trim())) {
          stderr += `sysctl: setting key "${k}": Invalid argument\n`;
          code = 255;
          continue;
        }
        values.set(k, String(Number(val.trim())));
      }
      stdout += bare ? `${values.get(k)}\n` : `${k} = ${values.get(k)}\n`;
    }
    return out(stdout, stderr, code);
  });

  const kdumpctl = defineCommand('kdumpctl', async (args) => {
    const ck = host.crashKernel();
    switch (args[0]) {
      case 'start':
      case 'restart':
        if (session.uid !== 0) return out('', 'kdump: Permission denied\n', 1);
        if (ck.reservedBytes === 0n) return out('', 'kdump: No memory reserved for crash kernel\nkdump: Starting kdump: [FAILED]\n', 1);
        ck.load();
        return out('', 'kdump: kexec: loaded kdump kernel\nkdump: Starting kdump: [OK]\n');
      case 'status':
        return ck.loaded ? out('', 'kdump: Kdump is operational\n') : out('', 'kdump: Kdump is not operational\n', 8);
      case 'showmem':
        return out('', `kdump: Reserved ${ck.reservedBytes / (1024n * 1024n)}MB memory for crash kernel\n`);
      default:
        return out('', 'Usage: kdumpctl {estimate|start|stop|status|restart|reload|rebuild|propagate|showmem}\n', 1);
    }
  });
  return [sysctl, kdumpctl];
}
