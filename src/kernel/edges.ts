// Edges of the KFENCE model that the probe's facts reveal before anything is written, each a
// plan-time refusal or warning with its reason (issue 13 item 9):
// - a container: /sys/module/kfence is the host kernel's, and a reboot restarts the container only;
// - /sys mounted read-only: no live write can take;
// - kernel lockdown: debugfs is restricted (integrity and up), so `stats` cannot be read;
// - KASAN in the kernel: the guide says not to combine it with KFENCE;
// - selected caches whose objects are larger than a page: KFENCE never samples them.

import type { HostFacts } from '../facts/types.js';
import type { Capabilities } from './capabilities.js';
import { formatBytes } from './memory.js';

export interface EdgeRefusal {
  code: 'IN_CONTAINER' | 'SYS_READ_ONLY' | 'SLABS_TOO_LARGE';
  message: string;
  hint: string;
}

export interface EdgeInput {
  /** KFENCE is to be on (not mode: off). */
  enabling: boolean;
  /** The plan writes something (live, boot args or the unit). */
  writes: boolean;
  /** The plan writes live values under /sys. */
  liveWrites: boolean;
  /** The plan asks for a reboot. */
  reboot: boolean;
  /** Real caches an `only` selection names (empty for all/except). */
  selected: readonly string[];
}

/** kmalloc-8k -> 8192, kmalloc-rcl-512 -> 512 (a name's size when object_size was not read). */
function sizeFromName(name: string): number | null {
  const m = /^(?:dma-)?kmalloc-(?:(?:rcl|cg|reclaim)-)?(\d+)(k?)$/.exec(name);
  if (!m) return null;
  return Number(m[1]) * (m[2] === 'k' ? 1024 : 1);
}

export function objectSize(f: HostFacts, cache: string): number | null {
  return f.slabs[cache]?.object_size ?? sizeFromName(cache);
}

export function kernelEdges(f: HostFacts, caps: Capabilities, i: EdgeInput): { refused: EdgeRefusal[]; warnings: string[] } {
  const refused: EdgeRefusal[] = [];
  const warnings: string[] = [];
  const env = f.env;
  if (env?.container && (i.writes || i.reboot)) {
    refused.push({
      code: 'IN_CONTAINER',
      message: `this host is a ${env.container} container: KFENCE belongs to the kernel of the machine it runs on, its command line is not the container's to change, and a reboot would only restart the container`,
      hint: 'point the inventory at the machine (or VM) that runs the kernel, not at the container',
    });
  } else if (env?.sys_read_only && i.liveWrites) {
    refused.push({
      code: 'SYS_READ_ONLY',
      message: '/sys is mounted read-only on this host: no KFENCE parameter or slab control can be written live',
      hint: 'remount /sys read-write (or run kfleet against the host rather than a sandbox), or use apply: boot',
    });
  }
  if (env?.lockdown && env.lockdown !== 'none' && i.enabling) {
    warnings.push(`kernel lockdown (${env.lockdown}) restricts debugfs: /sys/kernel/debug/kfence/stats cannot be read, so enabling is checked by sample_interval alone and bugs are seen only in the kernel log`);
  }
  if (caps.kasan && i.enabling) {
    warnings.push('this kernel is built with KASAN (CONFIG_KASAN=y): the Alinux guide recommends not running KFENCE and KASAN together (KFENCE takes over the objects KASAN would watch)');
  }
  if (i.enabling && i.selected.length > 0) {
    const large = i.selected.map((c) => [c, objectSize(f, c)] as const).filter(([, s]) => s !== null && s > caps.pageSize);
    if (large.length > 0) {
      const list = large.map(([c, s]) => `${c} (${formatBytes(s!)})`).join(', ');
      const why = `KFENCE never samples objects larger than a page (${formatBytes(caps.pageSize)} here)`;
      if (large.length === i.selected.length) {
        refused.push({ code: 'SLABS_TOO_LARGE', message: `every selected cache holds objects larger than a page: ${list}; ${why}, so KFENCE would watch nothing`, hint: `select caches of ${formatBytes(caps.pageSize)} or less (kmalloc-4k and smaller with 4 KiB pages)` });
      } else warnings.push(`${list}: ${why}; these caches stay unwatched`);
    }
  }
  return { refused, warnings };
}
