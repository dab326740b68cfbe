// The client key the tests log in with, and each VM's persistent dropbear host key.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { CACHE } from '../paths.js';

export async function ensureClientKey(): Promise<{ key: string; pub: string }> {
  const dir = join(CACHE, 'keys');
  const key = join(dir, 'id_ed25519');
  if (!existsSync(key) || !existsSync(key + '.pub')) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await $({ quiet: true })`rm -f ${key} ${key}.pub`;
    await $({ quiet: true })`ssh-keygen -q -t ed25519 -N ${''} -C kfleet-vm-test -f ${key}`;
  }
  return { key, pub: readFileSync(key + '.pub', 'utf8').trim() };
}

/** A VM's dropbear ed25519 host key (kept across runs) and its OpenSSH public key line. */
export async function ensureHostKey(dir: string): Promise<{ key: string; publicLine: string }> {
  const key = join(dir, 'dropbear_ed25519_host_key');
  mkdirSync(dir, { recursive: true });
  if (!existsSync(key)) await $({ quiet: true })`dropbearkey -t ed25519 -f ${key}`;
  const out = (await $({ quiet: true })`dropbearkey -y -f ${key}`).stdout;
  const line = out.split('\n').find((l) => l.startsWith('ssh-ed25519 '));
  if (!line) throw new Error(`dropbearkey -y printed no ssh-ed25519 line for ${key}`);
  const [type, b64] = line.split(' ');
  return { key, publicLine: `${type} ${b64}` };
}
