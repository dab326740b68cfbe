// Fleet benchmark (issue 8): kfleet against the tools an SRE would otherwise use, each comparison in
// ONE invocation on the SAME lab hosts. The lab runs in its own process (`kfleet lab up --detach`),
// so its CPU is never charged to a contender; on a multi-core machine it is pinned to CPU 0 and the
// contenders to the other CPUs with taskset (on 2 cores they still share memory bandwidth and caches).
//
//   npm run bench [-- --hosts 100,1000 --forks 50 --converge-hosts 1000 --plan-hosts 10000
//                     --skip probe,ansible,pssh,fanout,converge,plan --keep-lab]
//
// Probe: `kfleet status --json`, `ansible all -m raw` and `parallel-ssh` all send the SAME remote
// command (kfleet's probe, `sh -c '<probe script>'`: identical reads and identical work for the
// lab), at the same concurrency. Wall time and controller CPU (user+sys, children included) come
// from /usr/bin/time; a run counts only when every host answered with the probe's end marker.
// Fan-out: the same three with one short read per host (`cat /proc/sys/kernel/random/boot_id`;
// kfleet through its transport, bench/fanout-kfleet.ts), where the lab is no longer the bottleneck.
// Converge: `kfleet apply` of an `apply: runtime` playbook (no reboots) on N hosts, wall time and the
// controller's peak RSS above a one-host run of the same command. Plan: bench/plan.ts.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { probeCommand } from '../src/facts/probe.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const kfleet = join(root, 'bin', 'kfleet.js');
const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? def) : def;
};
const SIZES = arg('hosts', '100,1000').split(',').map(Number);
const FORKS = Number(arg('forks', '50'));
const CONVERGE_HOSTS = Number(arg('converge-hosts', '1000'));
const PLAN_HOSTS = Number(arg('plan-hosts', '10000'));
const SKIP = new Set(arg('skip', '').split(',').filter(Boolean));
const PROBE_HOSTS = Math.max(...SIZES);
// Probes run on Alinux 5.10 hosts (KFENCE off at boot: enabling it live is refused there), the
// converge on upstream 6.12 hosts, which can enable sampling at runtime (+1 for the baseline run).
const CONVERGE_LAB = SKIP.has('converge') ? 0 : CONVERGE_HOSTS + 1;
const LAB_HOSTS = PROBE_HOSTS + CONVERGE_LAB;
const MIX = `alinux-5.10.134-17:${PROBE_HOSTS}${CONVERGE_LAB ? `,upstream-6.12:${CONVERGE_LAB}` : ''}`;
const multiCore = cpus().length >= 2;
const LAB_CPUS = '0';
const CLIENT_CPUS = cpus().length > 2 ? `1-${cpus().length - 1}` : '1';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  wallS: number;
  cpuS: number;
  maxRssKiB: number;
}

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

/** Run argv under /usr/bin/time (and taskset on the client CPUs): wall, user+sys incl. children, max RSS. */
function timed(argv: string[], opts: { env?: NodeJS.ProcessEnv; cpus?: string; stdoutFile?: string } = {}): Promise<Run> {
  const pin = multiCore ? ['taskset', '-c', opts.cpus ?? CLIENT_CPUS] : [];
  const full = ['/usr/bin/time', '-f', '@@time %e %U %S %M', ...pin, ...argv];
  return new Promise((resolve, reject) => {
    const child = spawn(full[0]!, full.slice(1), { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 1 << 20) err = err.slice(-(1 << 19)); // keep the tail (time's line is last)
    });
    child.on('error', reject);
    child.on('close', (code) => {
      const m = /@@time (\S+) (\S+) (\S+) (\d+)\s*$/.exec(err);
      if (!m) return reject(new Error(`no timing from ${argv.join(' ')}: ${err.slice(-500)}`));
      const stdout = Buffer.concat(out).toString();
      if (opts.stdoutFile) writeFileSync(opts.stdoutFile, stdout);
      resolve({ code, stdout, stderr: err.slice(0, m.index), wallS: Number(m[1]), cpuS: Number(m[2]) + Number(m[3]), maxRssKiB: Number(m[4]) });
    });
  });
}

function run(argv: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), { env: env ?? process.env, stdio: ['ignore', 'pipe', 'inherit'] });
    let s = '';
    child.stdout.on('data', (d: Buffer) => (s += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(s) : reject(new Error(`${argv.join(' ')} exited with ${code}`))));
  });
}

function onPath(cmd: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => d && existsSync(join(d, cmd)));
}

// ---------------------------------------------------------------------------------------------
const work = mkdtempSync(join(tmpdir(), 'kfleet-bench-'));
const labDir = join(work, 'lab');
type Row = { what: string; hosts: number; tool: string; ok: string; wallS: number; cpuS: number; rssMiB: number; labCpuS?: number; note?: string };
let labPid = 0;
/** CPU seconds (user+sys) the lab process has used so far: what a contender cost the simulated hosts. */
function labCpuS(): number {
  if (!labPid) return NaN;
  try {
    const f = readFileSync(`/proc/${labPid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime (fields 14, 15) in USER_HZ ticks
  } catch {
    return NaN;
  }
}
/** timed(), plus the lab's CPU over the same interval. */
async function timedLab(argv: string[], opts: Parameters<typeof timed>[1] = {}): Promise<Run & { labCpuS: number }> {
  const l0 = labCpuS();
  const r = await timed(argv, opts);
  return { ...r, labCpuS: labCpuS() - l0 };
}
const rows: Row[] = [];
const record = (r: Row): void => {
  rows.push(r);
  log(`${r.what} ${r.hosts} ${r.tool}: ${r.ok} ok, ${r.wallS.toFixed(2)} s wall, ${r.cpuS.toFixed(2)} s CPU, ${r.rssMiB.toFixed(0)} MiB peak RSS${r.labCpuS !== undefined ? `, lab ${r.labCpuS.toFixed(2)} s CPU` : ''} ${r.note ?? ''}`);
};

async function labUp(): Promise<{ inventory: string; knownHosts: string; key: string; lines: string[] }> {
  log(`starting a ${LAB_HOSTS}-host lab (${MIX}) in its own process${multiCore ? ` pinned to CPU ${LAB_CPUS}` : ''} (${labDir})`);
  const said = await run([...(multiCore ? ['taskset', '-c', LAB_CPUS] : []), process.execPath, kfleet, 'lab', 'up', '--mix', MIX, '--detach', '--state-dir', labDir]);
  labPid = Number(/\(pid (\d+)\)/.exec(said)?.[1] ?? 0);
  const inventory = join(labDir, 'inventory.ini');
  const lines = readFileSync(inventory, 'utf8').split('\n').filter((l) => /^\S+ ansible_host=/.test(l));
  if (lines.length < LAB_HOSTS) throw new Error(`the lab inventory lists ${lines.length} hosts, expected ${LAB_HOSTS}`);
  return { inventory, knownHosts: join(labDir, 'known_hosts'), key: join(labDir, 'id_ed25519'), lines };
}

function subInventory(lines: string[], n: number): string {
  const f = join(work, `inventory-${n}.ini`);
  writeFileSync(f, `[lab]\n${lines.slice(0, n).join('\n')}\n`);
  return f;
}

async function probeKfleet(inv: string, kh: string, n: number): Promise<void> {
  // Timeouts like the peers' (-T 60 / -t 60): an overloaded lab answers handshakes late, not never.
  const r = await timedLab([process.execPath, kfleet, 'status', '--json', '-i', inv, '--known-hosts', kh, '-f', String(FORKS), '--connect-timeout', '60'], { stdoutFile: join(work, `kfleet-status-${n}.json`) });
  let ok = 0;
  try {
    ok = (JSON.parse(r.stdout) as { hosts: Array<{ error?: unknown }> }).hosts.filter((h) => !h.error).length;
  } catch {
    /* counted as 0 */
  }
  record({ what: 'probe', hosts: n, tool: 'kfleet status --json', ok: `${ok}/${n}`, wallS: r.wallS, cpuS: r.cpuS, rssMiB: r.maxRssKiB / 1024, labCpuS: r.labCpuS });
}

/** What one comparison sends to every host, and how a host's answer is counted as complete. */
interface Remote {
  what: 'probe' | 'fanout';
  command: string;
  /** A complete answer (multiline regexp over one host's output). */
  done: RegExp;
}
const PROBE: Remote = { what: 'probe', command: probeCommand(), done: /@@kfleet-probe-end\r?$/m };
const FANOUT_COMMAND = 'cat /proc/sys/kernel/random/boot_id';
const FANOUT: Remote = { what: 'fanout', command: FANOUT_COMMAND, done: /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\r?$/m };

async function probeAnsible(inv: string, kh: string, n: number, remote: Remote = PROBE): Promise<void> {
  const home = mkdtempSync(join(work, 'ansible-home-'));
  // Host keys checked against the lab's known_hosts, like kfleet. ControlMaster off: every host is
  // contacted once, so a persistent master saves no handshake and only adds a mux process per host.
  const env = {
    ...process.env,
    HOME: home,
    ANSIBLE_HOST_KEY_CHECKING: 'True',
    ANSIBLE_SSH_ARGS: `-o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes -o ControlMaster=no -o BatchMode=yes`,
    ANSIBLE_LOCAL_TEMP: join(home, 'tmp'),
    ANSIBLE_NOCOLOR: '1',
    ANSIBLE_FORCE_COLOR: '0',
    ANSIBLE_DEPRECATION_WARNINGS: 'False',
    ANSIBLE_SSH_RETRIES: '0',
  };
  const r = await timedLab(['ansible', 'all', '-i', inv, '-m', 'raw', '-a', remote.command, '-f', String(FORKS), '-T', '60'], { env, stdoutFile: join(work, `ansible-${remote.what}-${n}.txt`) });
  const ok = Math.min((r.stdout.match(/\| CHANGED \| rc=0 >>/g) ?? []).length, (r.stdout.match(new RegExp(remote.done.source, 'gm')) ?? []).length);
  record({ what: remote.what, hosts: n, tool: `ansible -m raw -f ${FORKS}`, ok: `${ok}/${n}`, wallS: r.wallS, cpuS: r.cpuS, rssMiB: r.maxRssKiB / 1024, labCpuS: r.labCpuS, note: 'RSS: largest single process' });
}

async function probePssh(lines: string[], kh: string, key: string, n: number, remote: Remote = PROBE): Promise<void> {
  const hostsFile = join(work, `pssh-hosts-${n}`);
  writeFileSync(hostsFile, lines.slice(0, n).map((l) => `root@127.0.0.1:${/ansible_port=(\d+)/.exec(l)![1]}`).join('\n') + '\n');
  const outDir = join(work, `pssh-out-${remote.what}-${n}`);
  const r = await timedLab(['parallel-ssh', '-h', hostsFile, '-p', String(FORKS), '-t', '60', '-o', outDir,
    '-x', `-i ${key} -o UserKnownHostsFile=${kh} -o StrictHostKeyChecking=yes -o BatchMode=yes -o ControlMaster=no`, remote.command]);
  let ok = 0;
  for (const f of existsSync(outDir) ? readdirSync(outDir) : []) if (remote.done.test(readFileSync(join(outDir, f), 'utf8'))) ok++;
  ok = Math.min(ok, (r.stdout.match(/\[SUCCESS\]/g) ?? []).length);
  record({ what: remote.what, hosts: n, tool: `parallel-ssh -p ${FORKS}`, ok: `${ok}/${n}`, wallS: r.wallS, cpuS: r.cpuS, rssMiB: r.maxRssKiB / 1024, labCpuS: r.labCpuS, note: 'RSS: largest single process' });
}

async function fanoutKfleet(inv: string, kh: string, n: number): Promise<void> {
  const r = await timedLab([process.execPath, '--import', 'tsx/esm', join(root, 'bench', 'fanout-kfleet.ts'), inv, kh, String(FORKS), FANOUT_COMMAND]);
  const ok = Number(/ok (\d+)/.exec(r.stdout)?.[1] ?? 0);
  record({ what: 'fanout', hosts: n, tool: 'kfleet transport', ok: `${ok}/${n}`, wallS: r.wallS, cpuS: r.cpuS, rssMiB: r.maxRssKiB / 1024, labCpuS: r.labCpuS, note: 'bench/fanout-kfleet.ts' });
}

async function converge(lines: string[], kh: string): Promise<void> {
  const playbook = join(work, 'runtime.yml');
  writeFileSync(playbook, [
    'name: bench - runtime sampling at 100 ms',
    'hosts: all',
    'kfence:',
    '  mode: sampling',
    '  sample_interval: 100',
    '  apply: runtime',
    'rollout:',
    '  phases: ["100%"]',
    `  forks: ${FORKS}`,
    '  soak: 0s',
    '  health:',
    '    unexpected_reboot: fail',
    '    kfence_bugs: report',
    '',
  ].join('\n'));
  const apply = async (n: number, from: number) => {
    const inv = join(work, `converge-${n}.ini`);
    writeFileSync(inv, `[lab]\n${lines.slice(from, from + n).join('\n')}\n`);
    return timedLab([process.execPath, kfleet, 'apply', playbook, '-i', inv, '--known-hosts', kh, '-y', '--json', '--connect-timeout', '60', '--state-dir', join(work, `state-${n}`)], { stdoutFile: join(work, `apply-${n}.json`) });
  };
  // Baseline: the same command on one host (the last lab host, not part of the big run).
  const base = await apply(1, PROBE_HOSTS + CONVERGE_HOSTS);
  const r = await apply(CONVERGE_HOSTS, PROBE_HOSTS);
  const perHostKiB = (r.maxRssKiB - base.maxRssKiB) / (CONVERGE_HOSTS - 1);
  record({ what: 'converge', hosts: 1, tool: 'kfleet apply (runtime)', ok: base.code === 0 ? 'exit 0' : `exit ${base.code}`, wallS: base.wallS, cpuS: base.cpuS, rssMiB: base.maxRssKiB / 1024, labCpuS: base.labCpuS, note: 'baseline' });
  record({ what: 'converge', hosts: CONVERGE_HOSTS, tool: 'kfleet apply (runtime)', ok: r.code === 0 ? 'exit 0' : `exit ${r.code}`, wallS: r.wallS, cpuS: r.cpuS, rssMiB: r.maxRssKiB / 1024, labCpuS: r.labCpuS, note: `${perHostKiB.toFixed(1)} KiB/host above baseline` });
}

async function plan(): Promise<void> {
  // Not a comparison: every CPU (pinned to one, V8's GC and compiler threads would share the main thread's core).
  const r = await timed([process.execPath, '--import', 'tsx/esm', join(root, 'bench', 'plan.ts'), String(PLAN_HOSTS)], { cpus: `0-${cpus().length - 1}` });
  const m = /plan:\s+(\d+) ms wall/.exec(r.stdout);
  const rss = /peak RSS (\d+) MiB/.exec(r.stdout);
  record({ what: 'plan', hosts: PLAN_HOSTS, tool: 'bench/plan.ts (planFleet)', ok: r.code === 0 ? 'exit 0' : `exit ${r.code}`, wallS: m ? Number(m[1]) / 1000 : NaN, cpuS: r.cpuS, rssMiB: rss ? Number(rss[1]) : r.maxRssKiB / 1024, note: 'wall = median planning time; CPU = whole process' });
}

function table(): string {
  // Controller CPU per host: what each more host costs the machine kfleet (or its peer) runs on.
  const perHost = (r: Row) => (r.what === 'plan' ? '' : ((r.cpuS * 1000) / r.hosts).toFixed(2));
  const head = ['what', 'hosts', 'tool', 'ok', 'wall s', 'ctrl CPU s', 'ctrl CPU ms/host', 'peak RSS MiB', 'lab CPU s', 'note'];
  const body = rows.map((r) => [r.what, String(r.hosts), r.tool, r.ok, r.wallS.toFixed(2), r.cpuS.toFixed(2), perHost(r), r.rssMiB.toFixed(0), r.labCpuS === undefined ? '' : r.labCpuS.toFixed(1), r.note ?? '']);
  const lines = [head, head.map(() => '---'), ...body].map((c) => `| ${c.join(' | ')} |`);
  const ratios: string[] = [];
  for (const what of ['probe', 'fanout'] as const) {
    for (const n of SIZES) {
      const k = rows.find((r) => r.what === what && r.hosts === n && r.tool.startsWith('kfleet'));
      if (!k) continue;
      for (const o of rows.filter((r) => r.what === what && r.hosts === n && !r.tool.startsWith('kfleet'))) {
        ratios.push(`${what} ${n} hosts: ${o.tool} / kfleet = ${(o.wallS / k.wallS).toFixed(2)}x wall, ${(o.cpuS / k.cpuS).toFixed(2)}x controller CPU (${((o.cpuS * 1000) / n).toFixed(2)} vs ${((k.cpuS * 1000) / n).toFixed(2)} ms/host)`);
      }
    }
  }
  return `${lines.join('\n')}\n\n${ratios.join('\n')}\n`;
}

async function main(): Promise<void> {
  for (const t of ['taskset']) if (multiCore && !onPath(t)) throw new Error(`${t} is needed`);
  if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is needed (apt-get install time)');
  if (!SKIP.has('ansible') && !onPath('ansible')) {
    log('ansible not found: skipped (apt-get install ansible-core)');
    SKIP.add('ansible');
  }
  if (!SKIP.has('pssh') && !onPath('parallel-ssh')) {
    log('parallel-ssh not found: skipped (apt-get install pssh)');
    SKIP.add('pssh');
  }
  log(`machine: ${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}; work dir ${work}`);
  const lab = await labUp();
  try {
    if (!SKIP.has('probe') || !SKIP.has('fanout')) {
      // The first probe of a lab host costs the lab ~35 ms more than the next ones (JIT, lazily
      // built per-host state): measured 31 s vs 23-26 s of lab CPU for 200 hosts, whoever went first.
      // Without this untimed pass the first contender (kfleet) paid it alone.
      log(`warming the lab up: one untimed probe of each of the ${PROBE_HOSTS} probe hosts`);
      await timed([process.execPath, kfleet, 'status', '--json', '-i', subInventory(lab.lines, PROBE_HOSTS), '--known-hosts', lab.knownHosts, '-f', String(FORKS), '--connect-timeout', '60']);
    }
    for (const n of SIZES) {
      const inv = subInventory(lab.lines, n);
      if (!SKIP.has('probe')) {
        log(`probe ${n} hosts: kfleet`);
        await probeKfleet(inv, lab.knownHosts, n);
        if (!SKIP.has('ansible')) {
          log(`probe ${n} hosts: ansible -m raw`);
          await probeAnsible(inv, lab.knownHosts, n);
        }
        if (!SKIP.has('pssh')) {
          log(`probe ${n} hosts: parallel-ssh`);
          await probePssh(lab.lines, lab.knownHosts, lab.key, n);
        }
      }
      if (!SKIP.has('fanout')) {
        // The same fan-out with one short read per host: what each tool costs when the hosts
        // are not the bottleneck (the lab spends ~120 ms of its one CPU on each full probe).
        log(`fanout ${n} hosts (${FANOUT_COMMAND}): kfleet transport, ansible, parallel-ssh`);
        await fanoutKfleet(inv, lab.knownHosts, n);
        if (!SKIP.has('ansible')) await probeAnsible(inv, lab.knownHosts, n, FANOUT);
        if (!SKIP.has('pssh')) await probePssh(lab.lines, lab.knownHosts, lab.key, n, FANOUT);
      }
    }
    if (!SKIP.has('converge')) {
      log(`converge ${CONVERGE_HOSTS} hosts (apply: runtime)`);
      await converge(lab.lines, lab.knownHosts);
    }
  } finally {
    if (!process.argv.includes('--keep-lab')) await run([process.execPath, kfleet, 'lab', 'down', '--state-dir', labDir]).catch(() => undefined);
  }
  if (!SKIP.has('plan')) {
    log(`plan ${PLAN_HOSTS} hosts`);
    await plan();
  }
  const other = join(root, 'bench', 'converge.ts');
  if (!SKIP.has('converge') && existsSync(other)) {
    log('bench/converge.ts');
    const out = await run([process.execPath, '--import', 'tsx/esm', other]).catch((e: Error) => `bench/converge.ts failed: ${e.message}`);
    process.stdout.write(`\n## bench/converge.ts\n${out}\n`);
  }
  const pin = multiCore ? `lab pinned to CPU ${LAB_CPUS}, contenders to CPU ${CLIENT_CPUS} (taskset)` : 'one CPU: lab and contenders share it';
  process.stdout.write(`\n## kfleet benchmark (${new Date().toISOString()})\n${cpus().length} x ${cpus()[0]?.model ?? '?'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, node ${process.version}; ${pin}; forks ${FORKS}\n\n${table()}`);
  writeFileSync(join(work, 'results.json'), JSON.stringify(rows, null, 2));
  log(`raw outputs and results.json in ${work}`);
}

await main();
