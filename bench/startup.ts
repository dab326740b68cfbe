// Start-up benchmark (issue 18 point 1): the installed kfleet (the esbuild bundle in dist/bundle,
// lazily loaded commands) side by side with Ansible's own commands on the same inventory. Every command runs as
// a whole process, in turn (A B C ... A B C ...) so drift of a shared machine hits all alike, after
// one warm-up; wall time from spawn to exit, user+sys CPU from /usr/bin/time when present.
//   npm run build && npx tsx bench/startup.ts [--runs 15]
// Targets: `kfleet --help` under 150 ms and `kfleet validate` under 400 ms median.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const i = process.argv.indexOf('--runs');
const RUNS = i >= 0 ? Number(process.argv[i + 1]) : 15;
const kfleet = join(root, 'bin', 'kfleet.js');
const inventory = join(root, 'inventory');
const playbook = join(root, 'playbooks', 'online-sampling.yml');
if (!existsSync(join(root, 'dist', 'bundle', 'main.js'))) throw new Error('no build: run `npm run build` first');

// fact files for every inventory host, from the example facts in turn
const facts = mkdtempSync(join(tmpdir(), 'kfleet-bench-startup-'));
const examples = readdirSync(join(root, 'test/fixtures/facts')).filter((f) => f.endsWith('.json')).sort();
const hostList = spawnSync(process.execPath, [kfleet, 'hosts', '-i', inventory], { encoding: 'utf8', env: { ...process.env, KFLEET_USE_DIST: '1' } }).stdout.trim().split('\n');
hostList.forEach((h, n) => copyFileSync(join(root, 'test/fixtures/facts', examples[n % examples.length]!), join(facts, `${h}.json`)));

const dist = { ...process.env, KFLEET_USE_DIST: '1' };
const source = { ...process.env, KFLEET_USE_SOURCE: '1' };
const ansibleEnv = { ...process.env, ANSIBLE_NOCOLOR: '1', ANSIBLE_LOCALHOST_WARNING: 'False' };
const hasAnsible = spawnSync('ansible', ['--version']).status === 0;
const cases: { name: string; argv: string[]; env: NodeJS.ProcessEnv; target?: number; exits?: number[] }[] = [
  { name: 'node -e 0 (the floor: Node.js itself)', argv: [process.execPath, '-e', '0'], env: dist },
  { name: 'kfleet --help', argv: [process.execPath, kfleet, '--help'], env: dist, target: 150 },
  { name: 'kfleet --version', argv: [process.execPath, kfleet, '--version'], env: dist },
  { name: 'kfleet validate PLAYBOOK -i inventory/', argv: [process.execPath, kfleet, 'validate', playbook, '-i', inventory], env: dist, target: 400 },
  { name: `kfleet plan -i inventory/ --facts (${hostList.length} hosts)`, argv: [process.execPath, kfleet, 'plan', playbook, '-i', inventory, '--facts', facts], env: dist, exits: [0, 4] }, // 4: some example kernels are refused
  { name: 'kfleet hosts -i inventory/ --json', argv: [process.execPath, kfleet, 'hosts', '-i', inventory, '--json'], env: dist },
  // the per-file tsc output without the bundle, to show what bundling saves
  { name: 'kfleet --help, unbundled dist/cli/main.js', argv: [process.execPath, join(root, 'dist', 'cli', 'main.js'), '--help'], env: dist },
  { name: 'kfleet validate, unbundled dist/cli/main.js', argv: [process.execPath, join(root, 'dist', 'cli', 'main.js'), 'validate', playbook, '-i', inventory], env: dist },
  { name: 'kfleet --help, from source (tsx)', argv: [process.execPath, kfleet, '--help'], env: source },
  ...(hasAnsible
    ? [
        { name: 'ansible --version', argv: ['ansible', '--version'], env: ansibleEnv },
        { name: 'ansible-inventory -i inventory/ --list', argv: ['ansible-inventory', '-i', inventory, '--list'], env: ansibleEnv },
      ]
    : []),
];
const timeBin = existsSync('/usr/bin/time') ? ['/usr/bin/time', '-f', '@@%U %S'] : [];

type Sample = { wallMs: number; cpuMs: number };
const samples = new Map<string, Sample[]>(cases.map((c) => [c.name, []]));
for (let run = -1; run < RUNS; run++) {
  for (const c of cases) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(timeBin[0] ?? c.argv[0]!, [...timeBin.slice(1), ...(timeBin.length ? c.argv : c.argv.slice(1))], { env: c.env, encoding: 'utf8', maxBuffer: 1 << 26 });
    const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
    if (!(c.exits ?? [0]).includes(r.status ?? -1)) throw new Error(`${c.name} exited ${r.status}: ${r.stderr}`);
    const m = /@@([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
    if (run >= 0) samples.get(c.name)!.push({ wallMs, cpuMs: m ? (Number(m[1]) + Number(m[2])) * 1000 : NaN });
  }
}
rmSync(facts, { recursive: true, force: true });

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const rows = cases.map((c) => {
  const s = samples.get(c.name)!;
  const wall = s.map((x) => x.wallMs);
  const med = median(wall);
  const verdict = c.target === undefined ? '' : med < c.target ? `< ${c.target} ms: met` : `< ${c.target} ms: NOT met`;
  return [c.name, med.toFixed(0), Math.min(...wall).toFixed(0), Math.max(...wall).toFixed(0), median(s.map((x) => x.cpuMs)).toFixed(0), verdict];
});
const head = ['command', 'median ms', 'min ms', 'max ms', 'CPU ms (median)', 'target'];
process.stdout.write(`start-up, ${RUNS} runs each after a warm-up, interleaved; ${cpus().length} CPUs, node ${process.version}, load average at the end ${loadavg()[0]!.toFixed(1)}\n\n`);
process.stdout.write([head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n') + '\n');
