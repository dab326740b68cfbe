// Debian's 6.12 KFENCE kernel (CONFIG_KFENCE=y, sample_interval 0 by default): resolve the newest
// linux-image-6.12.*+deb12-amd64-unsigned with apt-cache, `apt-get download` it with its headers,
// and extract them with dpkg-deb into the cache. Nothing is installed on the host.
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { $ } from 'zx';
import { CACHE, type KernelInfo } from '../paths.js';
import { aptUpdate } from './host-packages.js';

const IMAGE_RE = /^linux-image-(6\.12\.(\d+)\+deb12)-amd64-unsigned$/;
const KERNEL_JSON = join(CACHE, 'kernel.json');

/** The ABI names on offer, newest first. */
export async function availableKernels(): Promise<string[]> {
  const r = await $({ quiet: true })`apt-cache search --names-only ${'^linux-image-6\\.12\\.[0-9]+\\+deb12-amd64-unsigned$'}`;
  const found: { abi: string; patch: number }[] = [];
  for (const line of r.stdout.split('\n')) {
    const m = IMAGE_RE.exec(line.split(' ')[0] ?? '');
    if (m?.[1] && m[2]) found.push({ abi: m[1], patch: Number(m[2]) });
  }
  return found.sort((a, b) => b.patch - a.patch).map((k) => k.abi);
}

function cached(): KernelInfo | null {
  if (!existsSync(KERNEL_JSON)) return null;
  const k = JSON.parse(readFileSync(KERNEL_JSON, 'utf8')) as KernelInfo;
  return [k.vmlinuz, k.headers, k.modules, k.config].every((p) => existsSync(p)) ? k : null;
}

/**
 * The kernel the VMs boot. Cached after the first resolution; KFLEET_VM_KERNEL=latest resolves
 * again (apt-get update, newest version), KFLEET_VM_KERNEL=6.12.117+deb12 pins one.
 */
export async function ensureKernel(log: (s: string) => void): Promise<KernelInfo> {
  const want = process.env['KFLEET_VM_KERNEL'];
  const have = cached();
  if (have && (want === undefined || want === have.abi)) return have;

  await aptUpdate();
  const offered = await availableKernels();
  const abi = want && want !== 'latest' ? want : offered[0];
  if (!abi || !offered.includes(abi)) {
    throw new Error(`no linux-image-${abi ?? '6.12.*+deb12'}-amd64-unsigned in apt (offered: ${offered.join(', ') || 'none'}); is bookworm-security in the apt sources?`);
  }
  const image = `linux-image-${abi}-amd64-unsigned`;
  const headers = `linux-headers-${abi}-amd64`;
  const deps = await $({ quiet: true })`apt-cache depends ${headers}`;
  const extra = [...new Set(deps.stdout.split('\n').map((l) => l.replace(/^.*Depends:\s*/, '').trim()).filter((n) => n === `linux-headers-${abi}-common` || n === `linux-kbuild-${abi}`))];
  const pkgs = [image, headers, ...extra];
  log(`kernel ${abi}: apt-get download ${pkgs.join(' ')}`);

  const root = join(CACHE, 'kernel', abi);
  const debs = join(CACHE, 'debs');
  rmSync(root, { recursive: true, force: true });
  rmSync(debs, { recursive: true, force: true });
  mkdirSync(root, { recursive: true });
  mkdirSync(debs, { recursive: true });
  await $({ quiet: true, cwd: debs })`apt-get download ${pkgs}`;
  for (const f of readdirSync(debs).filter((f) => f.endsWith('.deb'))) await $({ quiet: true })`dpkg-deb -x ${join(debs, f)} ${root}`;
  const ver = (await $({ quiet: true })`dpkg-deb -f ${join(debs, readdirSync(debs).find((f) => f.startsWith(image + '_')) ?? '')} Version`).stdout.trim();
  rmSync(debs, { recursive: true, force: true });

  const release = `${abi}-amd64`;
  const headersDir = join(root, 'usr/src', `linux-headers-${release}`);
  // The arch headers' Makefile includes the common one by absolute path; point it into the cache.
  writeFileSync(join(headersDir, 'Makefile'), `include ${join(root, 'usr/src', `linux-headers-${abi}-common`, 'Makefile')}\n`);
  const info: KernelInfo = {
    abi,
    release,
    packageVersion: ver,
    root,
    vmlinuz: join(root, 'boot', `vmlinuz-${release}`),
    headers: headersDir,
    modules: join(root, 'lib/modules', release),
    config: join(root, 'boot', `config-${release}`),
  };
  const config = readFileSync(info.config, 'utf8');
  if (!/^CONFIG_KFENCE=y$/m.test(config)) throw new Error(`${image} is not built with CONFIG_KFENCE=y`);
  writeFileSync(KERNEL_JSON, JSON.stringify(info, null, 2) + '\n');
  return info;
}
