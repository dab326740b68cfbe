// Lab benchmark: start N lab hosts (default 1000) in this process, print memory per idle host,
// then measure how many new SSH connections per second the lab accepts, with the ssh2 clients
// in a separate process (so their CPU is not charged to the lab).
//   npx tsx bench/lab.ts [--hosts 1000] [--seconds 10] [--concurrency 64]
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import ssh2 from 'ssh2';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};

async function client(): Promise<void> {
  const spec = JSON.parse(process.env.LAB_BENCH ?? '{}') as { ports: number[]; key: string; seconds: number; concurrency: number; exec: boolean };
  const key = await readFile(spec.key, 'utf8');
  let done = 0;
  let failed = 0;
  const until = Date.now() + spec.seconds * 1000;
  let next = 0;
  const one = () =>
    new Promise<void>((resolve) => {
      const port = spec.ports[next++ % spec.ports.length]!;
      const c = new ssh2.Client();
      const finish = (ok: boolean) => {
        if (ok) done++;
        else failed++;
        c.end();
        resolve();
      };
      c.on('error', () => finish(false));
      c.on('ready', () => {
        if (!spec.exec) return finish(true);
        c.exec('cat /proc/sys/kernel/random/boot_id', (err, ch) => {
          if (err) return finish(false);
          ch.resume();
          ch.stderr.resume();
          ch.on('close', () => finish(true));
        });
      });
      c.connect({ host: '127.0.0.1', port, username: 'root', privateKey: key, hostVerifier: () => true, readyTimeout: 20000 });
    });
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (Date.now() < until) await one();
    }),
  );
  const secs = (Date.now() - t0) / 1000;
  process.stdout.write(JSON.stringify({ done, failed, secs }) + '\n');
}

async function main(): Promise<void> {
  if (typeof globalThis.gc !== 'function') {
    const child = spawn(process.execPath, ['--expose-gc', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)], { stdio: 'inherit' });
    child.on('close', (code) => (process.exitCode = code ?? 1));
    return;
  }
  const n = arg('hosts', 1000);
  const seconds = arg('seconds', 10);
  const concurrency = arg('concurrency', 64);
  const { startLab } = await import('../src/lab/index.js');
  const gc = globalThis.gc as () => void;
  // Warm up module state (profiles, slab tables, just-bash) with a throwaway lab.
  const warm = await startLab({ hosts: 1 });
  await warm.hosts[0]!.run('cat /proc/cmdline');
  await warm.stop();
  gc();
  const m0 = process.memoryUsage();
  const t0 = Date.now();
  const lab = await startLab({ hosts: n, profile: 'alinux-5.10.134-17' });
  const startMs = Date.now() - t0;
  gc();
  const m1 = process.memoryUsage();
  const perHeap = (m1.heapUsed - m0.heapUsed) / n;
  const perRss = (m1.rss - m0.rss) / n;
  process.stdout.write(`started ${n} hosts in ${(startMs / 1000).toFixed(1)} s (keys generated or loaded, one listener each)\n`);
  process.stdout.write(`memory per idle host: heap ${(perHeap / 1024).toFixed(1)} KiB, rss ${(perRss / 1024).toFixed(1)} KiB (total rss ${(m1.rss / 2 ** 20).toFixed(0)} MiB)\n`);
  const ports = lab.hosts.map((h) => h.port);
  for (const exec of [false, true]) {
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, [...process.execArgv.filter((a) => a !== '--expose-gc'), fileURLToPath(import.meta.url), '--client'], {
        env: { ...process.env, LAB_BENCH: JSON.stringify({ ports, key: lab.clientKeyPath, seconds, concurrency, exec }) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let s = '';
      child.stdout.on('data', (d) => (s += d));
      child.on('close', () => resolve(s));
      child.on('error', reject);
    });
    const r = JSON.parse(out) as { done: number; failed: number; secs: number };
    process.stdout.write(`${exec ? 'connect + auth + exec + close' : 'connect + auth + close'}: ${(r.done / r.secs).toFixed(0)} new SSH connections/s (${r.done} in ${r.secs.toFixed(1)} s, ${r.failed} failed, ${concurrency} parallel clients in a separate process)\n`);
  }
  gc();
  const m2 = process.memoryUsage();
  process.stdout.write(`after the connection storm: heap ${(m2.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(m2.rss / 2 ** 20).toFixed(0)} MiB\n`);
  await lab.stop();
}

if (process.argv.includes('--client')) await client();
else await main();
