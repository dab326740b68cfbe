// Several controllers on one run (issue 16): the same `apply: runtime` rollout on the same lab
// hosts with 1, 2 and 3 controllers in one run (the leader's `kfleet apply` plus 0, 1 or 2
// `kfleet worker`s), on one etcd member started here on loopback (Debian's etcd-server). Each pass
// sets a different sample_interval, so every pass changes every host. Every controller runs under
// /usr/bin/time (user+system CPU, peak RSS); the lab's own CPU is read from /proc for its process.
// Prints one row per pass: wall time, hosts/s, controller CPU per host, lab CPU per host.
//   npx tsx bench/workers.ts [--hosts 120] [--forks 8]
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { controlRequest } from '../src/lab/control.js';
import { startEtcd } from '../test/state/support/etcd.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const kfleet = join(root, 'bin', 'kfleet.js');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const HOSTS = arg('hosts', 120);
const FORKS = arg('forks', 8);

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
  /** From /usr/bin/time: wall, user, system seconds; peak RSS KiB. */
  time: { wall: number; user: number; sys: number; rssKb: number };
}

function timed(args: string[], env: Record<string, string>, cwd: string): { started: Promise<string>; done: Promise<Ran> } {
  const child = spawn('/usr/bin/time', ['-f', 'TIME %e %U %S %M', process.execPath, kfleet, ...args], { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let startedResolve!: (run: string) => void;
  const started = new Promise<string>((r) => (startedResolve = r));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    const line = stdout.split('\n').find((l) => l.includes('"type":"run.start"'));
    if (line) startedResolve(String((JSON.parse(line) as { run: string }).run));
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Ran>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      startedResolve('');
      const m = /TIME ([\d.]+) ([\d.]+) ([\d.]+) (\d+)/.exec(stderr);
      resolve({ code, stdout, stderr, time: m ? { wall: Number(m[1]), user: Number(m[2]), sys: Number(m[3]), rssKb: Number(m[4]) } : { wall: 0, user: 0, sys: 0, rssKb: 0 } });
    });
  });
  return { started, done };
}

/** utime+stime of a process, in seconds (Linux /proc). */
function cpuOf(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = f.slice(f.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) / 100; // USER_HZ
}

const dir = mkdtempSync(join(tmpdir(), 'kfleet-bench-workers-'));
const labDir = join(dir, 'lab');
const etcd = await startEtcd(1);
try {
  const up = await timed(['lab', 'up', '--detach', '--state-dir', labDir, '--hosts', String(HOSTS), '--profile', 'alinux-5.10.134-17'], {}, dir).done;
  if (up.code !== 0) throw new Error(`lab up: ${up.stderr}`);
  const s = await controlRequest<{ inventory: string; knownHosts: string; pid: number }>(labDir, '/status');
  const inv = ['-i', s.inventory, '--known-hosts', s.knownHosts];
  const rows: string[] = [];
  const intervals = [150, 300, 450];
  for (const [pass, workers] of [1, 2, 3].entries()) {
    writeFileSync(
      join(dir, 'play.yml'),
      `name: bench\nhosts: lab\nkfence: { mode: sampling, sample_interval: ${intervals[pass]}, apply: runtime }\nrollout: { phases: ['100%'], forks: ${FORKS}, max_fail_percentage: 0 }\n`,
    );
    const env = { KFLEET_STATE: etcd.url(`bench-${pass}`), KFLEET_LOCK_TTL: '10' };
    const lab0 = cpuOf(s.pid);
    const t0 = Date.now();
    const lead = timed(['apply', 'play.yml', ...inv, '--yes', '--json'], env, dir);
    const runId = await lead.started;
    if (!runId) throw new Error(`the leader of pass ${pass + 1} did not start: ${(await lead.done).stderr.slice(-2000)}`);
    const extra = Array.from({ length: workers - 1 }, () => timed(['worker', runId, 'play.yml', ...inv, '--json'], env, dir));
    const all = await Promise.all([lead.done, ...extra.map((w) => w.done)]);
    const wall = (Date.now() - t0) / 1000;
    const labCpu = cpuOf(s.pid) - lab0;
    for (const r of all) if (r.code !== 0) throw new Error(`a controller of pass ${pass + 1} exited ${r.code}: ${r.stderr.slice(-2000)}`);
    const settled = all.map((r) => (r.stdout.match(/"type":"host.result"/g) ?? []).length);
    const changed = (all[0]!.stdout.match(/"type":"run.end"[^\n]*/) ?? [''])[0];
    const cpu = all.reduce((n, r) => n + r.time.user + r.time.sys, 0);
    rows.push(
      `| ${workers} | ${HOSTS} | ${wall.toFixed(1)} | ${(HOSTS / wall).toFixed(1)} | ${settled.join('+')} | ${cpu.toFixed(1)} | ${((cpu / HOSTS) * 1000).toFixed(0)} | ${((labCpu / HOSTS) * 1000).toFixed(0)} | ${Math.max(...all.map((r) => r.time.rssKb / 1024)).toFixed(0)} |`,
    );
    if (!/"converged"/.test(changed)) throw new Error(`pass ${pass + 1} did not converge: ${changed}`);
  }
  process.stdout.write(`${cpus().length} CPU(s) (${cpus()[0]?.model ?? '?'}), lab in one process, forks ${FORKS} per controller, one etcd member\n`);
  process.stdout.write('| controllers | hosts | wall s | hosts/s | hosts settled per controller | controller CPU s | controller CPU ms/host | lab CPU ms/host | peak RSS MiB |\n|---|---|---|---|---|---|---|---|---|\n');
  process.stdout.write(rows.join('\n') + '\n');
} finally {
  await timed(['lab', 'down', '--state-dir', labDir], {}, dir).done;
  await etcd.stop();
  rmSync(dir, { recursive: true, force: true });
}
