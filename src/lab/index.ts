// The lab: a simulated fleet of KFENCE hosts on 127.0.0.1, each a real SSH server. See README.md.

import { mkdir, mkdtemp, readFile, writeFile, chmod } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import type { ParsedKey } from 'ssh2';
import { getProfile, profileGroup, PROFILE_NAMES } from './profiles.js';
import { LabHost, memoryLayout, type AuditEntry, type FaultKind, type FaultOptions } from './host.js';
import type { BecomeMode } from './shell/context.js';

export { LabHost, FAULT_KINDS, type AuditEntry, type AuditBoot, type FaultKind, type FaultOptions } from './host.js';
export { PROFILES, PROFILE_NAMES, getProfile, profileGroup, type Profile } from './profiles.js';
export { BUG_KINDS, type BugKind } from './kernel/reports.js';
export type { AuditWrite } from './vfs/session-fs.js';
export { hostWitness, type HostWitness } from './witness.js';

export interface LabMemory {
  totalMiB?: number;
  nodes?: number;
  /** Free physically contiguous 1 GiB blocks per node for runtime pools (0 = a fragmented host). */
  contiguousGiBPerNode?: number;
}

export interface LabOptions {
  hosts?: number;
  profile?: string;
  /** profile -> number of hosts; overrides hosts/profile. */
  mix?: Record<string, number>;
  stateDir?: string;
  become?: BecomeMode;
  sudoPassword?: string;
  downtimeMs?: number;
  /** LabHost.kernelSecondMs of every host (panic=N and the soft-lockup detector's seconds). */
  kernelSecondMs?: number;
  memory?: LabMemory | ((name: string, profile: string) => LabMemory);
  /** First host number (lab-001 by default). */
  prefix?: string;
}

export interface Lab {
  hosts: LabHost[];
  stateDir: string;
  inventoryPath: string;
  knownHostsPath: string;
  clientKeyPath: string;
  become: BecomeMode;
  /** Only set for become 'sudo-password'; never logged by the lab. */
  sudoPassword: string | undefined;
  host(name: string): LabHost;
  /** Rewrite known_hosts from the hosts' current keys (after a new-host-key fault, if a test wants to accept it). */
  writeKnownHosts(): Promise<void>;
  stop(): Promise<void>;
}

interface KeyPair {
  private: string;
  public: string;
}

/**
 * ssh2 1.17's generateKeyPairSync('ed25519') drops a leading zero byte of the public key about
 * once in 500 keys (a 31-byte key that neither ssh2 nor OpenSSH parses): check and regenerate.
 */
export function generateEd25519(): KeyPair {
  for (;;) {
    const k = ssh2.utils.generateKeyPairSync('ed25519');
    const parsed = ssh2.utils.parseKey(k.private);
    if (!(parsed instanceof Error) && Buffer.from(k.public.split(' ')[1] ?? '', 'base64').length === 51) return { private: k.private, public: k.public };
  }
}

async function loadOrCreateKey(path: string): Promise<KeyPair> {
  if (existsSync(path) && existsSync(path + '.pub')) {
    const stored = { private: await readFile(path, 'utf8'), public: (await readFile(path + '.pub', 'utf8')).trim() };
    if (!(ssh2.utils.parseKey(stored.private) instanceof Error)) return stored;
  }
  const k = generateEd25519();
  await writeFile(path, k.private, { mode: 0o600 });
  await chmod(path, 0o600);
  await writeFile(path + '.pub', k.public + '\n');
  return { private: k.private, public: k.public };
}

function parse(key: string): ParsedKey {
  const k = ssh2.utils.parseKey(key);
  if (k instanceof Error) throw k;
  return Array.isArray(k) ? k[0]! : k;
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const stateDir = opts.stateDir ?? (await mkdtemp(join(tmpdir(), 'kfleet-lab-')));
  await mkdir(join(stateDir, 'hostkeys'), { recursive: true });
  const become: BecomeMode = opts.become ?? 'root';
  const sudoPassword = become === 'sudo-password' ? opts.sudoPassword ?? 'lab-' + Math.random().toString(36).slice(2, 10) : undefined;
  const clientKeyPath = join(stateDir, 'id_ed25519');
  const client = await loadOrCreateKey(clientKeyPath);
  const clientKey = parse(client.private);
  const mix = opts.mix ?? { [opts.profile ?? 'alinux-5.10.134-17']: opts.hosts ?? 3 };
  for (const p of Object.keys(mix)) getProfile(p);
  let previousPorts: Record<string, number> = {};
  try {
    previousPorts = JSON.parse(await readFile(join(stateDir, 'ports.json'), 'utf8')) as Record<string, number>;
  } catch {
    /* first start */
  }
  const plan: { name: string; profile: string }[] = [];
  let n = 0;
  for (const [profile, count] of Object.entries(mix)) for (let i = 0; i < count; i++) plan.push({ name: `${opts.prefix ?? 'lab'}-${String(++n).padStart(3, '0')}`, profile });
  const hosts: LabHost[] = [];
  const hostPub = new Map<string, string>();
  const batch = 50;
  for (let i = 0; i < plan.length; i += batch) {
    const started = await Promise.all(
      plan.slice(i, i + batch).map(async ({ name, profile }) => {
        const keyPath = join(stateDir, 'hostkeys', name);
        const hk = await loadOrCreateKey(keyPath);
        const p = getProfile(profile);
        const mem = typeof opts.memory === 'function' ? opts.memory(name, profile) : opts.memory;
        const host = new LabHost({
          name,
          profile: p,
          become,
          sudoPassword,
          memory: memoryLayout(p, mem ?? {}),
          downtimeMs: opts.downtimeMs ?? 300,
          hostKey: hk.private,
          clientKey,
          rotateHostKey: () => {
            const k = generateEd25519();
            void writeFile(keyPath, k.private, { mode: 0o600 }).then(() => writeFile(keyPath + '.pub', k.public + '\n'));
            hostPub.set(name, k.public);
            return k.private;
          },
        });
        hostPub.set(name, hk.public);
        if (opts.kernelSecondMs) host.kernelSecondMs = opts.kernelSecondMs;
        await host.start(previousPorts[name]).catch(() => host.start(0));
        return host;
      }),
    );
    hosts.push(...started);
  }
  const byName = new Map(hosts.map((h) => [h.name, h]));
  const inventoryPath = join(stateDir, 'inventory.ini');
  const knownHostsPath = join(stateDir, 'known_hosts');
  const user = become === 'root' ? 'root' : 'sre';
  const lines = ['# kfleet lab inventory (generated)', '[lab]'];
  for (const h of hosts) lines.push(`${h.name} ansible_host=127.0.0.1 ansible_port=${h.port} ansible_user=${user} ansible_ssh_private_key_file=${clientKeyPath}`);
  const groups = new Map<string, string[]>();
  for (const h of hosts) groups.set(profileGroup(h.profile.name), [...(groups.get(profileGroup(h.profile.name)) ?? []), h.name]);
  for (const [g, names] of groups) lines.push('', `[${g}]`, ...names);
  lines.push('', '[lab:vars]', `ansible_ssh_common_args='-o UserKnownHostsFile=${knownHostsPath} -o StrictHostKeyChecking=yes -o IdentitiesOnly=yes'`);
  if (become !== 'root') lines.push('ansible_become=true', 'ansible_become_method=sudo');
  await writeFile(inventoryPath, lines.join('\n') + '\n');
  const writeKnownHosts = async () => {
    await writeFile(knownHostsPath, hosts.map((h) => `[127.0.0.1]:${h.port} ${hostPub.get(h.name)}`).join('\n') + '\n');
  };
  await writeKnownHosts();
  await writeFile(join(stateDir, 'ports.json'), JSON.stringify(Object.fromEntries(hosts.map((h) => [h.name, h.port]))));
  return {
    hosts,
    stateDir,
    inventoryPath,
    knownHostsPath,
    clientKeyPath,
    become,
    sudoPassword,
    host(name: string) {
      const h = byName.get(name);
      if (!h) throw new Error(`no lab host ${name}`);
      return h;
    },
    writeKnownHosts,
    async stop() {
      await Promise.all(hosts.map((h) => h.stop()));
    },
  };
}

export type { BecomeMode };
export const KNOWN_PROFILES = PROFILE_NAMES;
export type { FaultKind as LabFault, FaultOptions as LabFaultOptions, AuditEntry as LabAuditEntry };
