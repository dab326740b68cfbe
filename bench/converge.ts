// Converge benchmark (issue 4): `kfleet apply` of an `apply: runtime` playbook on 200 lab hosts
// with forks 50. The lab runs in its own process (`kfleet lab up --detach`); the controller CLI is
// spawned under /usr/bin/time, which gives its wall time and peak RSS. Every host must end
// `changed` for the run to count. Called by bench/run.ts (npm run bench) when present.
//   npx tsx bench/converge.ts [--hosts 200] [--forks 50]
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const kfleet = join(root, 'bin', 'kfleet.js');
const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const HOSTS = arg('hosts', 200);
const FORKS = arg('forks', 50);

function run(argv: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const work = mkdtempSync(join(tmpdir(), 'kfleet-bench-converge-'));
const labDir = join(work, 'lab');
const playbook = join(work, 'runtime.yml');
writeFileSync(playbook, ['name: bench - runtime sampling at 100 ms', 'hosts: lab', 'kfence:', '  mode: sampling', '  sample_interval: 100', '  apply: runtime', 'rollout:', '  phases: ["100%"]', `  forks: ${FORKS}`, '  soak: 0s', '  health: { unexpected_reboot: fail, kfence_bugs: report }', ''].join('\n'));

// upstream 6.12 hosts: KFENCE off at boot and enabled live (a real write and read-back on each).
const up = await run([process.execPath, kfleet, 'lab', 'up', '--hosts', String(HOSTS), '--profile', 'upstream-6.12', '--detach', '--state-dir', labDir]);
if (up.code !== 0) throw new Error(`lab up failed: ${up.stderr}`);
try {
  const started = Date.now();
  const r = await run(['/usr/bin/time', '-v', process.execPath, kfleet, 'apply', playbook, '-i', join(labDir, 'inventory.ini'), '--forks', String(FORKS), '--yes', '--json', '--state-dir', join(work, 'state')]);
  const wallS = (Date.now() - started) / 1000;
  const rssKiB = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr)?.[1] ?? NaN);
  const cpuS = Number(/User time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN) + Number(/System time \(seconds\): ([\d.]+)/.exec(r.stderr)?.[1] ?? NaN);
  const results = r.stdout.split('\n').filter((l) => l.includes('"type":"host.result"')).map((l) => JSON.parse(l) as { status: string; error?: { code: string; message: string } });
  const changed = results.filter((x) => x.status === 'changed').length;
  const causes = new Map<string, number>();
  for (const x of results) if (x.status !== 'changed') causes.set(`${x.status} ${x.error?.code ?? ''}: ${(x.error?.message ?? '').replace(/\d+/g, 'N').slice(0, 120)}`, (causes.get(`${x.status} ${x.error?.code ?? ''}: ${(x.error?.message ?? '').replace(/\d+/g, 'N').slice(0, 120)}`) ?? 0) + 1);
  process.stdout.write(
    `converge ${HOSTS} lab hosts (apply: runtime, forks ${FORKS}; lab in its own process; ${cpus().length} CPUs, node ${process.version})\n` +
      `  hosts changed: ${changed}/${HOSTS} (exit ${r.code})\n` +
      `  wall time:     ${wallS.toFixed(2)} s (controller CPU ${cpuS.toFixed(2)} s)\n` +
      `  peak RSS:      ${(rssKiB / 1024).toFixed(0)} MiB (controller, /usr/bin/time -v)\n` +
      [...causes].map(([c, n]) => `  not changed:   ${n} x ${c}\n`).join(''),
  );
  if (changed !== HOSTS) process.exitCode = 1;
} finally {
  await run([process.execPath, kfleet, 'lab', 'down', '--state-dir', labDir]);
  rmSync(work, { recursive: true, force: true });
}
