// Field-by-field comparison of HostFacts from the real kernel and from a lab host in the same
// state. Compared: everything that describes the kernel and KFENCE. Not compared, because they
// describe the machine rather than the kernel: host name, collection time, uptime, memory sizes,
// boot ids (both must be UUIDs), non-kfence command-line args, grubby's other entries, and slab
// caches that exist on only one side (drivers and file systems differ); slab object counts.
import type { HostFacts } from '../../src/facts/types.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function kfenceTokens(args: string): string {
  return args.split(/\s+/).filter((t) => t.startsWith('kfence.')).sort().join(' ');
}

function eq(diffs: string[], path: string, real: unknown, lab: unknown): void {
  const a = JSON.stringify(real);
  const b = JSON.stringify(lab);
  if (a !== b) diffs.push(`${path}: real ${a}, lab ${b}`);
}

/** The differences, one line each ("path: real X, lab Y"); empty when the lab agrees. */
export function compareFacts(real: HostFacts, lab: HostFacts): string[] {
  const d: string[] = [];
  const releasePattern = /^6\.12\.\d+\+deb12-amd64$/;
  if (!releasePattern.test(real.kernel.release) || !releasePattern.test(lab.kernel.release)) eq(d, 'kernel.release', real.kernel.release, lab.kernel.release);
  eq(d, 'kernel.arch', real.kernel.arch, lab.kernel.arch);
  eq(d, 'kernel.page_size', real.kernel.page_size, lab.kernel.page_size);
  eq(d, 'os', real.os, lab.os);
  eq(d, 'numa', real.numa, lab.numa);
  if (!UUID.test(real.boot_id) || !UUID.test(lab.boot_id)) eq(d, 'boot_id (UUID form)', real.boot_id, lab.boot_id);
  eq(d, 'cmdline kfence.* args', kfenceTokens(real.cmdline), kfenceTokens(lab.cmdline));
  eq(d, 'grubby.available', real.grubby.available, lab.grubby.available);
  eq(d, 'grubby.default_kernel is the running kernel', real.grubby.default_kernel === `/boot/vmlinuz-${real.kernel.release}`, lab.grubby.default_kernel === `/boot/vmlinuz-${lab.kernel.release}`);
  const defaultEntry = (f: HostFacts) => f.grubby.entries.find((e) => e.kernel === f.grubby.default_kernel);
  eq(d, 'grubby default entry kfence.* args', kfenceTokens(defaultEntry(real)?.args ?? ''), kfenceTokens(defaultEntry(lab)?.args ?? ''));
  eq(d, 'grubby default entry title', defaultEntry(real)?.title?.replace(real.kernel.release, 'R'), defaultEntry(lab)?.title?.replace(lab.kernel.release, 'R'));

  const rk = real.kfence;
  const lk = lab.kfence;
  eq(d, 'kfence.present', rk.present, lk.present);
  eq(d, 'kfence.params (names)', Object.keys(rk.params).sort(), Object.keys(lk.params).sort());
  for (const name of Object.keys(rk.params)) if (lk.params[name]) eq(d, `kfence.params.${name}`, rk.params[name], lk.params[name]);
  eq(d, 'kfence.debugfs_mounted', rk.debugfs_mounted, lk.debugfs_mounted);
  eq(d, 'kfence.stats present', rk.stats !== null, lk.stats !== null);
  if (rk.stats && lk.stats) {
    eq(d, 'kfence.stats.enabled', rk.stats.enabled, lk.stats.enabled);
    eq(d, 'kfence.stats.format', rk.stats.format, lk.stats.format);
    eq(d, 'kfence.stats counter names', Object.keys(rk.stats.counters), Object.keys(lk.stats.counters));
    eq(d, 'kfence.stats total bugs', rk.stats.counters['total bugs'], lk.stats.counters['total bugs']);
  }
  eq(d, 'kfence.config', rk.config, lk.config);

  for (const name of Object.keys(real.slabs).sort()) {
    const r = real.slabs[name];
    const l = lab.slabs[name];
    if (!r || !l) continue;
    eq(d, `slabs.${name}.control`, r.control, l.control);
    eq(d, `slabs.${name}.value`, r.value, l.value);
    eq(d, `slabs.${name} is a merged alias`, r.alias_of !== undefined, l.alias_of !== undefined);
  }
  const kmalloc = (f: HostFacts) => Object.keys(f.slabs).filter((n) => /^kmalloc-\d+k?$/.test(n)).sort();
  eq(d, 'slabs kmalloc-* caches', kmalloc(real), kmalloc(lab));
  eq(d, 'boot_unit', real.boot_unit, lab.boot_unit);
  eq(d, 'privileged', real.privileged, lab.privileged);
  return d;
}
