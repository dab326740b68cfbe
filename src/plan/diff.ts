// describePlan: the human lines of a plan for --diff, renderer-agnostic (no colour, no I/O).

import { GRUB_DROPIN_PATH, KERNEL_CMDLINE_PATH } from '../bootloader/types.js';
import { tokenize } from '../kernel/cmdline.js';
import { formatBytes } from '../kernel/memory.js';
import { planIsEmpty, type HostPlan, type RuntimeStep } from './types.js';

function where(w: 'runtime' | 'boot' | 'both'): string {
  return w === 'both' ? 'runtime+boot' : w;
}

function stepLine(s: RuntimeStep, i: number): string {
  if (s.op === 'write') return `  ${i + 1}. write ${s.path} = ${s.value}  (${s.why})`;
  return `  ${i + 1}. verify stats enabled: ${s.enabled ? 1 : 0}${s.optional ? ' (if stats exist)' : ''}`;
}

/** Token-level diff of two command lines: "-key=old", "+key=new". */
export function argsDiff(before: string, after: string): string[] {
  const b = tokenize(before).map((t) => t.raw);
  const a = tokenize(after).map((t) => t.raw);
  const removed = b.filter((x) => !a.includes(x)).map((x) => `-${x}`);
  const added = a.filter((x) => !b.includes(x)).map((x) => `+${x}`);
  return [...removed, ...added];
}

export function describePlan(p: HostPlan): string[] {
  const out: string[] = [];
  if (p.refused.length > 0) {
    out.push(`${p.host}: refused (${p.release})`);
    for (const r of p.refused) out.push(`  ${r.code}: ${r.message}${r.hint ? ` (hint: ${r.hint})` : ''}`);
    for (const w of p.warnings) out.push(`  warning: ${w}`);
    return out;
  }
  if (planIsEmpty(p)) out.push(`${p.host}: no change (${p.release})`);
  else out.push(`${p.host}: ${p.release}`);
  for (const c of p.changes) out.push(`  ${c.knob}: ${c.before ?? '(unset)'} -> ${c.after ?? '(unset)'} (${where(c.where)})`);
  if (p.runtime.length > 0) {
    out.push('  runtime steps:');
    p.runtime.forEach((s, i) => out.push(stepLine(s, i)));
  }
  if (p.boot) {
    const m = p.boot.mechanism ?? 'grubby';
    if (m === 'grub-debian') {
      const g = p.boot.grub;
      out.push(`  bootloader: Debian GRUB: ${g?.dropin_after === null ? 'remove' : 'write'} ${GRUB_DROPIN_PATH}, then ${g?.update ?? 'update-grub'}`);
      for (const e of p.boot.entries) out.push(`  grub entry "${e.title ?? e.kernel}": ${argsDiff(e.before, e.after).join(' ') || '(regenerated)'}`);
    } else if (m === 'kernel-install') {
      const k = p.boot.kernel_cmdline;
      out.push(`  bootloader: kernel-install: ${KERNEL_CMDLINE_PATH}: ${k ? argsDiff(k.before ?? '', k.after).join(' ') : ''}`);
      for (const e of p.boot.entries) out.push(`  entry ${e.kernel}: ${argsDiff(e.before, e.after).join(' ')}`);
    } else for (const e of p.boot.entries) out.push(`  grubby ${e.kernel}: ${argsDiff(e.before, e.after).join(' ')}`);
  }
  if (p.unit) out.push(`  boot unit: ${p.unit.action}${p.unit.action === 'install' ? ` (sha256 ${p.unit.hash.slice(0, 12)})` : ''}`);
  if (p.reboot.required) {
    out.push('  reboot required:');
    for (const r of p.reboot.reasons) out.push(`    - ${r}`);
  }
  if (p.memory_bytes !== null && p.memory_bytes > 0) out.push(`  memory: about ${formatBytes(p.memory_bytes)} (pool + metadata estimate)`);
  for (const w of p.warnings) out.push(`  warning: ${w}`);
  return out;
}
