// Hostile hosts for issue 9 part 3: SSH servers (test/transport/fixtures' ssh2 server, real host
// keys and public-key auth with the lab's client key) that answer kfleet's facts probe with lies:
// an endless stream, binary junk, output dripped byte by byte, or the real probe script run by
// the local sh over a fake host tree (KFLEET_ROOT) with hostile files and commands in it. Every
// other command (a write, a reboot) is refused and recorded, so nothing ever runs on this machine.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { utils, type ParsedKey, type ServerChannel } from '../../src/transport/ssh2.js';
import { startFixtureServer, type FixtureServer, type KeyPair } from '../transport/fixtures/ssh-server.js';
import { buildFakeHost, GRUBBY_INFO, type FakeHost } from '../facts/fixtures/fake-host.js';

export type Behaviour =
  /** Probe header, then valid-looking lines as fast as the channel takes them, forever. */
  | { kind: 'endless' }
  /** `bytes` random bytes, exit 0. */
  | { kind: 'junk'; bytes: number }
  /** A complete, valid probe output, one byte every `ms`. */
  | { kind: 'drip'; text: string; ms: number }
  /** The real probe in the local sh over a fake tree. */
  | { kind: 'probe'; host: FakeHost; bin?: Record<string, string> };

export interface HostileHost {
  name: string;
  server: FixtureServer;
  /** Kill every process the host started (whole process groups), then stop its server. */
  stop(): Promise<void>;
  /** Commands other than the probe that reached this host (all refused). */
  refused: string[];
  /** Bytes this host sent in answer to the probe. */
  sent: () => number;
  inventoryLine(keyPath: string): string;
}

export function keyPairFromFile(path: string): KeyPair {
  const parsed = utils.parseKey(readFileSync(path)) as ParsedKey;
  const blob = parsed.getPublicSSH();
  return { private: '', public: `${parsed.type} ${blob.toString('base64')}`, parsed, blob, type: parsed.type };
}

function killGroup(pid: number): void {
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* gone */
  }
}

export async function startHostile(name: string, clientKey: KeyPair, b: Behaviour): Promise<HostileHost> {
  const refused: string[] = [];
  const groups = new Set<number>();
  let sent = 0;
  const write = (ch: ServerChannel, d: Buffer | string): boolean => {
    sent += Buffer.byteLength(d);
    return ch.write(d);
  };
  const probe = (cmd: string, ch: ServerChannel): void => {
    let closed = false;
    ch.on('close', () => (closed = true));
    if (b.kind === 'junk') {
      write(ch, randomBytes(b.bytes));
      ch.exit(0);
      ch.end();
    } else if (b.kind === 'endless') {
      write(ch, '@@kfleet-probe 1\n@@begin\tstats\n');
      const line = Buffer.from('|total slab allocations        :              123456\n'.repeat(1024));
      const pump = (): void => {
        while (!closed) if (!write(ch, line)) return void ch.once('drain', pump);
      };
      pump();
    } else if (b.kind === 'drip') {
      let i = 0;
      const t = setInterval(() => {
        if (closed || i >= b.text.length) {
          clearInterval(t);
          if (!closed) {
            ch.exit(0);
            ch.end();
          }
          return;
        }
        write(ch, b.text[i++] as string);
      }, b.ms);
    } else {
      const env = buildFakeHost(b.host);
      for (const [n, body] of Object.entries(b.bin ?? {})) writeFileSync(join(env.bin, n), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
      const child = spawn('sh', ['-c', cmd], { env: { PATH: `${env.bin}:/usr/bin:/bin`, KFLEET_ROOT: env.root }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      groups.add(child.pid!);
      child.stdout.on('data', (d: Buffer) => write(ch, d));
      child.stderr.on('data', (d: Buffer) => ch.stderr.write(d));
      // The whole process group goes when the channel closes (the client gave up on a hanging
      // command) or at stop(): a `sleep 3600` left behind holds the pipes and keeps the test
      // process alive for an hour after the suite ended.
      ch.on('close', () => killGroup(child.pid!));
      child.on('close', () => groups.delete(child.pid!));
      child.on('close', (code, sig) => {
        if (closed) return;
        if (sig) ch.exit(sig.replace(/^SIG/, ''), false, '');
        else ch.exit(code ?? 0);
        ch.end();
      });
    }
  };
  const server = await startFixtureServer({
    users: { root: [clientKey] },
    handlers: [
      { match: /@@kfleet-probe/, run: (cmd, ch) => probe(cmd, ch) },
      {
        match: /[\s\S]*/,
        run: (cmd, ch) => {
          refused.push(cmd);
          ch.stderr.write('hostile fixture: only the facts probe runs here\n');
          ch.exit(1);
          ch.end();
        },
      },
    ],
  });
  return {
    name,
    server,
    stop: async () => {
      for (const pid of groups) killGroup(pid);
      groups.clear();
      await server.stop();
    },
    refused,
    sent: () => sent,
    inventoryLine: (keyPath) => `${name} ansible_host=127.0.0.1 ansible_port=${server.port} ansible_user=root ansible_ssh_private_key_file=${keyPath}`,
  };
}

/** An Alinux 5.10.134-17 host that already has what HOSTILE_PLAY asks for (a normal probe plans nothing). */
export function alinuxHost(over: { drop?: string[]; files?: FakeHost['files']; links?: FakeHost['links']; grubby?: FakeHost['grubby'] | undefined } = {}): FakeHost {
  const args = 'ro crashkernel=0M-2G:0M,2G-8G:192M,8G-:256M kfence.sample_interval=150';
  const grubby = 'grubby' in over ? over.grubby : { defaultKernel: '/boot/vmlinuz-5.10.134-17.al8.x86_64', info: GRUBBY_INFO.replace(/args="ro crashkernel[^"]*"/, `args="${args}"`) };
  const files: FakeHost['files'] = {
      '/etc/os-release': 'NAME="Alibaba Cloud Linux"\nID="alinux"\nVERSION_ID="3"\nPRETTY_NAME="Alibaba Cloud Linux 3 (Soaring Falcon)"\n',
      '/proc/meminfo': 'MemTotal:       65536000 kB\nMemFree:        1000 kB\nMemAvailable:   60000000 kB\n',
      '/sys/devices/system/node/online': '0-1\n',
      '/sys/devices/system/node/possible': '0-1\n',
      '/proc/sys/kernel/random/boot_id': '0f4b6d3e-7a43-4c5e-9a1e-2b9f3c1d5e6f\n',
      '/proc/uptime': '12345.67 40000.00\n',
      '/proc/cmdline': `BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.10.134-17.al8.x86_64 ${args}\n`,
      '/proc/mounts': 'sysfs /sys sysfs rw 0 0\ndebugfs /sys/kernel/debug debugfs rw,relatime 0 0\n',
      '/sys/module/kfence/parameters/sample_interval': { text: '150\n', mode: 0o600 },
      '/sys/module/kfence/parameters/num_objects': { text: '255\n', mode: 0o600 },
      '/sys/module/kfence/parameters/pool_mode': { text: 'global\n', mode: 0o600 },
      '/sys/module/kfence/parameters/order0_page': { text: '0\n', mode: 0o600 },
      '/sys/module/kfence/parameters/fault': { text: 'report\n', mode: 0o600 },
      '/sys/kernel/debug/kfence/stats': 'enabled: 1\ncurrently slab allocated      :                  42\ntotal bugs                    :                   0\n',
      '/boot/config-5.10.134-17.al8.x86_64': 'CONFIG_KFENCE=y\nCONFIG_KFENCE_NUM_OBJECTS=255\nCONFIG_KFENCE_SAMPLE_INTERVAL=0\n',
      '/sys/kernel/slab/kmalloc-64/kfence_enable': '1\n',
      '/sys/kernel/slab/kmalloc-64/objects': '1536 N0=768 N1=768\n',
      ...over.files,
  };
  for (const p of over.drop ?? []) delete files[p];
  return { release: '5.10.134-17.al8.x86_64', ...(grubby ? { grubby } : {}), files, ...(over.links ? { links: over.links } : {}) };
}

export const HOSTILE_PLAY = `name: hostile hosts
hosts: all
kfence:
  mode: sampling
  sample_interval: 150
  apply: both
rollout:
  phases: ["100%"]
  forks: 10
  max_fail_percentage: 100
  soak: 0s
reboot: { allowed: true, max_parallel: 4, timeout: 20s, stable_for: 0s }
`;
