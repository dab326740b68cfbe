// What a trial boot and `fault: panic` depend on, in one read: the one-shot tools (grub2-reboot /
// grub-reboot and their editenv), the GRUB environment block (present, writable, and whether GRUB
// can write it back at boot: not on md RAID, LVM or btrfs), kernel.panic and softlockup_panic,
// kexec (the tool, kexec_load_disabled, lockdown), and kdump (crashkernel= memory, a loaded crash
// kernel, the service). The probe runs the command inside its `trial` block (one round trip).
import type { RemoteRead } from './read.js';

export interface TrialFacts {
  /** Commands found: grub2-reboot, grub-reboot, grub2-editenv, grub-editenv, kexec, kdumpctl. */
  tools: string[];
  /** GRUB environment blocks found, with whether root may write them. */
  grubenv: { path: string; writable: boolean }[];
  /** Where /boot lives (its own mount, else /): the device and file system type. */
  boot_fs: { source: string; fstype: string } | null;
  /** /proc/sys/kernel/panic; null when unreadable. */
  kernel_panic: number | null;
  softlockup_panic: number | null;
  kexec_load_disabled: number | null;
  /** The selected lockdown mode ("none", "integrity", "confidentiality"), null without the LSM. */
  lockdown: string | null;
  kdump: { reserved_bytes: number; loaded: boolean; service: 'active' | 'inactive' | 'failed' | 'absent' };
}

export const TRIAL_FACTS_COMMAND = [
  'for t in grub2-reboot grub-reboot grub2-editenv grub-editenv kexec kdumpctl; do command -v $t >/dev/null 2>&1 && printf "tool %s\\n" $t; done',
  'for f in /boot/grub2/grubenv /boot/grub/grubenv; do if [ -f $f ]; then if [ -w $f ]; then printf "grubenv %s w\\n" $f; else printf "grubenv %s ro\\n" $f; fi; fi; done',
  'printf "panic %s\\n" "$(cat /proc/sys/kernel/panic 2>/dev/null)"',
  'printf "softlockup_panic %s\\n" "$(cat /proc/sys/kernel/softlockup_panic 2>/dev/null)"',
  'printf "kexec_load_disabled %s\\n" "$(cat /proc/sys/kernel/kexec_load_disabled 2>/dev/null)"',
  'printf "lockdown %s\\n" "$(cat /sys/kernel/security/lockdown 2>/dev/null)"',
  'printf "crash_size %s\\n" "$(cat /sys/kernel/kexec_crash_size 2>/dev/null)"',
  'printf "crash_loaded %s\\n" "$(cat /sys/kernel/kexec_crash_loaded 2>/dev/null)"',
  'for u in kdump.service kdump-tools.service; do s=$(systemctl is-active $u 2>/dev/null); printf "unit %s %s\\n" $u "${s:-unknown}"; done',
  'while read -r src mnt fst rest; do case $mnt in /|/boot) printf "mount %s %s %s\\n" "$mnt" "$src" "$fst";; esac; done < /proc/mounts',
].join('\n');

const int = (v: string | undefined): number | null => (v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : null);

export function parseTrialFacts(stdout: string): TrialFacts {
  const f: TrialFacts = { tools: [], grubenv: [], boot_fs: null, kernel_panic: null, softlockup_panic: null, kexec_load_disabled: null, lockdown: null, kdump: { reserved_bytes: 0, loaded: false, service: 'absent' } };
  const mounts = new Map<string, { source: string; fstype: string }>();
  let seen = false;
  for (const line of stdout.split('\n')) {
    const [tag, ...rest] = line.trim().split(/\s+/);
    if (!tag) continue;
    seen = true;
    const v = rest.join(' ');
    switch (tag) {
      case 'tool':
        f.tools.push(v);
        break;
      case 'grubenv':
        f.grubenv.push({ path: rest[0] ?? '', writable: rest[1] === 'w' });
        break;
      case 'panic':
        f.kernel_panic = int(v);
        break;
      case 'softlockup_panic':
        f.softlockup_panic = int(v);
        break;
      case 'kexec_load_disabled':
        f.kexec_load_disabled = int(v);
        break;
      case 'lockdown':
        f.lockdown = /\[(\w+)\]/.exec(v)?.[1] ?? null;
        break;
      case 'crash_size':
        f.kdump.reserved_bytes = int(v) ?? 0;
        break;
      case 'crash_loaded':
        f.kdump.loaded = int(v) === 1;
        break;
      case 'unit': {
        const s = rest[1];
        if (s === 'active') f.kdump.service = 'active';
        else if (s === 'failed' && f.kdump.service !== 'active') f.kdump.service = 'failed';
        else if (s === 'inactive' && f.kdump.service === 'absent') f.kdump.service = 'inactive';
        break;
      }
      case 'mount':
        mounts.set(rest[0] ?? '', { source: rest[1] ?? '', fstype: rest[2] ?? '' });
        break;
      default:
        throw new Error(`unexpected line ${JSON.stringify(line.slice(0, 80))} in the trial facts`);
    }
  }
  if (!seen) throw new Error('the trial facts read printed nothing');
  f.boot_fs = mounts.get('/boot') ?? mounts.get('/') ?? null;
  return f;
}

export const trialFactsRead: RemoteRead<TrialFacts> = {
  name: 'trial boot facts',
  command: TRIAL_FACTS_COMMAND,
  become: true,
  parse: (stdout) => parseTrialFacts(stdout),
};
