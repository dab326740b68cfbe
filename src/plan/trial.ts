// Trial boots, decided per host from its facts (pure): how a change that needs a reboot is booted
// once before it becomes the default (a one-shot bootloader entry on grubby or Debian GRUB, kexec
// where probed and allowed, or none, with the reason), which guard args the trial entry carries
// (panic= when kernel.panic is 0, softlockup_panic=1) so a failing trial resets into the default,
// and what `fault: panic` risks on this host (kernel.panic, kdump, the trial mechanism), in words.
import type { TrialFacts } from '../facts/reads/trial-facts.js';
import type { BootMechanism } from '../bootloader/types.js';
import type { Refusal } from './types.js';

export type TrialPolicy = 'required' | 'preferred' | 'off';
export type TrialMechanism = 'grubby-oneshot' | 'grub-debian-oneshot' | 'kexec' | 'none';

/** kernel.panic= the trial entry carries when the host's is 0: seconds before the reset. */
export const TRIAL_PANIC_TIMEOUT_S = 10;

export interface TrialDecision {
  mechanism: TrialMechanism;
  /** Why this mechanism, or why there is none. */
  reason: string;
  /** Tokens the trial entry carries besides the new args (never made the default). */
  guard_args: string[];
  /** The one-shot command and the GRUB environment block it writes. */
  oneshot?: { command: 'grub2-reboot' | 'grub-reboot'; env_block: string };
}

export interface TrialInput {
  policy: TrialPolicy;
  bootloader: BootMechanism | null;
  facts: TrialFacts | undefined;
  /** The booted command line (/proc/cmdline): guard args it already carries are not repeated. */
  cmdline?: string;
  /** kexec trials are allowed by the caller (kfleet's engine runs one-shot entries only, so false there). */
  allowKexec?: boolean;
}

const ENV_BLOCK: Record<'grubby' | 'grub-debian', { path: string; command: 'grub2-reboot' | 'grub-reboot' }> = {
  grubby: { path: '/boot/grub2/grubenv', command: 'grub2-reboot' },
  'grub-debian': { path: '/boot/grub/grubenv', command: 'grub-reboot' },
};

/** GRUB writes its environment block at boot (to clear next_entry) only on plain disk partitions. */
function envBlockUnwritableAtBoot(boot: TrialFacts['boot_fs']): string | null {
  if (!boot) return null;
  if (/^\/dev\/md/.test(boot.source)) return `/boot is on md RAID (${boot.source})`;
  if (/^\/dev\/mapper\/|^\/dev\/dm-/.test(boot.source)) return `/boot is on LVM or device-mapper (${boot.source})`;
  if (boot.fstype === 'btrfs' || boot.fstype === 'zfs') return `/boot is on ${boot.fstype}`;
  return null;
}

function oneShot(bootloader: BootMechanism | null, f: TrialFacts): { ok: true; oneshot: NonNullable<TrialDecision['oneshot']> } | { ok: false; why: string } {
  if (bootloader === null) return { ok: false, why: 'no supported bootloader was found' };
  if (bootloader === 'kernel-install') return { ok: false, why: 'kfleet has no one-shot entry for systemd-boot / kernel-install hosts yet' };
  const want = ENV_BLOCK[bootloader];
  if (!f.tools.includes(want.command)) return { ok: false, why: `${want.command} is not installed` };
  const block = f.grubenv.find((g) => g.path === want.path);
  if (!block) return { ok: false, why: `GRUB's environment block ${want.path} is missing` };
  if (!block.writable) return { ok: false, why: `GRUB's environment block ${want.path} is not writable` };
  const atBoot = envBlockUnwritableAtBoot(f.boot_fs);
  if (atBoot) return { ok: false, why: `${atBoot}: GRUB cannot clear the one-shot entry at boot, so it would stay the default` };
  return { ok: true, oneshot: { command: want.command, env_block: want.path } };
}

function kexecAllowed(f: TrialFacts): string | null {
  if (!f.tools.includes('kexec')) return 'kexec is not installed';
  if (f.kexec_load_disabled === 1) return 'kernel.kexec_load_disabled is 1';
  if (f.lockdown !== null && f.lockdown !== 'none') return `the kernel is locked down (${f.lockdown})`;
  return null;
}

/** Tokens that make a failing trial boot reset by itself: panic= and softlockup_panic=1. A panic
 *  before init (a KFENCE bug at boot under fault=panic) happens before sysctl.d is applied, so only
 *  the command line's panic= (else CONFIG_PANIC_TIMEOUT, 0 on RHEL and Debian kernels) decides
 *  whether the host resets: panic= goes on the trial entry unless the command line already has one;
 *  its value is the host's kernel.panic when that is positive. */
export function guardArgs(f: TrialFacts | undefined, cmdline = ''): string[] {
  const out: string[] = [];
  const onCmdline = /(?:^|\s)panic=(-?\d+)(?=\s|$)/.exec(cmdline)?.[1];
  if (onCmdline === undefined || Number(onCmdline) === 0) out.push(`panic=${f?.kernel_panic && f.kernel_panic > 0 ? f.kernel_panic : TRIAL_PANIC_TIMEOUT_S}`);
  if (!f || f.softlockup_panic !== 1 || !/(?:^|\s)softlockup_panic=1(?=\s|$)/.test(cmdline)) out.push('softlockup_panic=1');
  return out;
}

export function decideTrial(input: TrialInput): TrialDecision {
  const none = (reason: string): TrialDecision => ({ mechanism: 'none', reason, guard_args: [] });
  if (input.policy === 'off') return none('reboot.trial: off');
  const f = input.facts;
  if (!f) return none('the facts have no trial section (collected by an older kfleet)');
  const os = oneShot(input.bootloader, f);
  if (os.ok) {
    const mechanism = input.bootloader === 'grubby' ? 'grubby-oneshot' : 'grub-debian-oneshot';
    return { mechanism, reason: `one-shot entry with ${os.oneshot.command}`, guard_args: guardArgs(f, input.cmdline), oneshot: os.oneshot };
  }
  const kx = kexecAllowed(f);
  if (kx === null && input.allowKexec) return { mechanism: 'kexec', reason: `kexec with the new command line (${os.why})`, guard_args: guardArgs(f, input.cmdline) };
  return none(kx === null ? `${os.why}; kexec trials are not enabled` : `${os.why}; ${kx}`);
}

/** The plan's word on a host's trial: a refusal under `required`, a warning under `preferred`
 *  (none for facts without the trial section: an older fact file says nothing either way). */
export function trialVerdict(policy: TrialPolicy, d: TrialDecision, needsReboot: boolean, probed: boolean): { warnings: string[]; refused: Refusal[] } {
  if (!needsReboot || policy === 'off' || d.mechanism !== 'none') return { warnings: [], refused: [] };
  if (!probed && policy === 'preferred') return { warnings: [], refused: [] };
  if (policy === 'required') {
    return { warnings: [], refused: [{ code: 'TRIAL_UNAVAILABLE', message: `no trial boot on this host: ${d.reason}`, hint: 'fix what the message names, or set reboot.trial: preferred to reboot into the new args directly' }] };
  }
  return { warnings: [`no trial boot on this host (${d.reason}): the reboot boots the new args directly, and a boot that fails needs a person`], refused: [] };
}

/** What `fault: panic` means on this host, one warning per risk, each with its consequence. */
export function faultPanicRisks(f: TrialFacts | undefined, d: TrialDecision): string[] {
  if (!f) return ['fault: panic: this host\'s kernel.panic and kdump were not probed (facts from an older kfleet): a KFENCE panic may hang it and leave no vmcore'];
  const out: string[] = [];
  if (f.kernel_panic === 0) out.push('fault: panic with kernel.panic = 0: a KFENCE panic hangs this host until someone power-cycles it (set kernel.panic, e.g. 10, in /etc/sysctl.d)');
  const k = f.kdump;
  if (k.reserved_bytes === 0) out.push('fault: panic without kdump: no crashkernel= memory is reserved, so a KFENCE panic leaves no vmcore (only pstore and the journal, if they caught it)');
  else if (!k.loaded || k.service !== 'active') out.push(`fault: panic without kdump: crashkernel= memory is reserved but ${!k.loaded ? 'no crash kernel is loaded' : ''}${!k.loaded && k.service !== 'active' ? ' and ' : ''}${k.service !== 'active' ? `the kdump service is ${k.service}` : ''}, so a KFENCE panic leaves no vmcore`);
  if (d.mechanism === 'none') out.push(`fault: panic without a trial boot (${d.reason}): a boot that panics in a loop stays on the new args until kfleet or a person reverts them`);
  return out;
}
