// Trial boots on grubby hosts (BLS entries, GRUB 2 with grub2-reboot): the remote scripts, pure.
// - create: a copy of the default entry (grubby --add-kernel --copy-default) carrying the new args,
//   the guard args and the trial token kfleet.trial=ID, titled "kfleet trial ID"; it prints the
//   entry's index and BLS id (the name grub2-reboot boots it by);
// - dead man: kfleet-trial.service, Type=simple, ConditionKernelCommandLine=kfleet.trial=ID, so it
//   runs only in the trial boot, where it reboots after reboot.timeout unless kfleet stops it (the
//   reboot returns to the default: GRUB cleared next_entry when it booted the trial);
// - fire: grub2-reboot ID, then the detached reboot of this boot only;
// - disarm and clean up: stop the dead man, remove it and every kfleet trial entry, clear next_entry.
// The trial read says which boot the host is in and whether it is the trial (its token in /proc/cmdline).
import { shq } from '../shell-quote.js';
import { KfleetError } from '../errors.js';
import type { RemoteRead } from '../facts/reads/read.js';

export const TRIAL_TITLE_PREFIX = 'kfleet trial';
export const DEADMAN_UNIT = 'kfleet-trial.service';
export const DEADMAN_PATH = `/etc/systemd/system/${DEADMAN_UNIT}`;
const TOKEN = /^[A-Za-z0-9_.-]+(=[A-Za-z0-9_.:,+-]*)?$/;
const KERNEL = /^\/[A-Za-z0-9_.+/-]+$/;
const ID = /^[A-Za-z0-9-]{1,64}$/;

function check(re: RegExp, what: string, v: string): string {
  if (!re.test(v)) throw new KfleetError('PLAN_UNSAFE', `refusing ${what} ${JSON.stringify(v)}: not a plain value`);
  return v;
}

export function trialToken(id: string): string {
  return `kfleet.trial=${check(ID, 'trial id', id)}`;
}

export function trialTitle(id: string): string {
  return `${TRIAL_TITLE_PREFIX} ${check(ID, 'trial id', id)}`;
}

export interface TrialEntrySpec {
  id: string;
  /** The default entry's kernel image (the trial boots the same kernel). */
  kernel: string;
  /** Tokens to set (the new args and the guard args); the trial token is added here. */
  add: string[];
  /** Keys (or exact tokens) the new args drop. */
  remove: string[];
}

/** Create the trial entry (replacing one left by an earlier attempt with the same id); prints `@@kfleet-trial INDEX ID`. */
export function buildTrialCreateScript(t: TrialEntrySpec): string {
  const title = trialTitle(t.id);
  const add = [...t.add.map((a) => check(TOKEN, 'argument', a)), trialToken(t.id)].join(' ');
  const findIdx = `grubby --info=ALL | awk -v t=${shq(`title="${title}"`)} '/^index=/{i=substr($0,7)} $0==t{print i; exit}'`;
  const lines = [
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `while i=$(${findIdx}) && [ -n "$i" ]; do grubby --remove-kernel="$i" >/dev/null || exit 21; done`,
    `grubby ${shq(`--add-kernel=${check(KERNEL, 'kernel path', t.kernel)}`)} --copy-default ${shq(`--title=${title}`)} ${shq(`--args=${add}`)} || exit 22`,
    `i=$(${findIdx})`,
    '[ -n "$i" ] || exit 23',
  ];
  if (t.remove.length) lines.push(`grubby --update-kernel="$i" ${shq(`--remove-args=${t.remove.map((r) => check(TOKEN, 'argument', r)).join(' ')}`)} || exit 24`);
  lines.push(`id=$(grubby --info="$i" | sed -n 's/^id="\\{0,1\\}\\([^"]*\\)"\\{0,1\\}$/\\1/p' | head -n 1)`, '[ -n "$id" ] || exit 25', `printf '@@kfleet-trial %s %s\\n' "$i" "$id"`, `grubby --info="$i" | sed -n 's/^args=/@@kfleet-trial-args /p'`);
  return lines.join('\n') + '\n';
}

export interface TrialCreated {
  index: number;
  entryId: string;
  /** The entry's args as grubby prints them (quoted). */
  args: string;
}

export function parseTrialCreated(stdout: string): TrialCreated {
  const m = /^@@kfleet-trial (\d+) (\S+)$/m.exec(stdout);
  const a = /^@@kfleet-trial-args (.*)$/m.exec(stdout);
  if (!m || !a) throw new Error(`the trial entry was not read back: ${JSON.stringify(stdout.slice(0, 200))}`);
  return { index: Number(m[1]), entryId: m[2]!, args: a[1]!.replace(/^"|"$/g, '') };
}

/** The dead man's unit: only the trial boot (its token) runs it; it reboots after `timeoutS` unless stopped. */
export function deadManUnit(id: string, timeoutS: number): string {
  const secs = Math.max(1, Math.ceil(timeoutS));
  return [
    '[Unit]',
    `Description=kfleet: reboot into the default entry unless trial ${check(ID, 'trial id', id)} is confirmed`,
    `ConditionKernelCommandLine=${trialToken(id)}`,
    '',
    '[Service]',
    'Type=simple',
    `ExecStart=/bin/sh -c "sleep ${secs}; systemctl reboot"`,
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

export function buildDeadManArmScript(id: string, timeoutS: number): string {
  const unit64 = Buffer.from(deadManUnit(id, timeoutS), 'utf8').toString('base64');
  return [
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `printf '%s' ${shq(unit64)} | base64 -d > ${DEADMAN_PATH}.new || exit 30`,
    `mv -f ${DEADMAN_PATH}.new ${DEADMAN_PATH} || exit 31`,
    'systemctl daemon-reload',
    `systemctl enable ${DEADMAN_UNIT} >/dev/null 2>&1 || exit 32`,
    `systemctl is-enabled ${DEADMAN_UNIT}`,
  ].join('\n') + '\n';
}

/** One-shot: the trial entry for the next boot only, then the detached reboot `fire` (reboot.ts's fireCommand). */
export function buildTrialFireScript(entryId: string, fire: string): string {
  return `PATH=/usr/sbin:/usr/bin:/sbin:/bin\ngrub2-reboot ${shq(check(/^[A-Za-z0-9_.~+-]+$/, 'entry id', entryId))} || exit 40\n${fire}\n`;
}

/** Stop and remove the dead man, remove every kfleet trial entry, clear a pending one-shot. Idempotent. */
export function buildTrialCleanupScript(): string {
  const findIdx = `grubby --info=ALL | awk '/^index=/{i=substr($0,7)} /^title="${TRIAL_TITLE_PREFIX} /{print i; exit}'`;
  return [
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `systemctl stop ${DEADMAN_UNIT} >/dev/null 2>&1`,
    `systemctl disable ${DEADMAN_UNIT} >/dev/null 2>&1`,
    `rm -f ${DEADMAN_PATH}`,
    'systemctl daemon-reload',
    `while i=$(${findIdx}) && [ -n "$i" ]; do grubby --remove-kernel="$i" >/dev/null || exit 50; done`,
    'grub2-editenv - unset next_entry || exit 51',
    `if grubby --info=ALL | grep -q '^title="${TRIAL_TITLE_PREFIX} '; then echo '@@kfleet-trial-left'; else echo '@@kfleet-trial-clean'; fi`,
  ].join('\n') + '\n';
}

export interface TrialBootState {
  bootId: string;
  cmdline: string;
  /** The trial's token is on this boot's command line: the host is in the trial boot. */
  inTrial: boolean;
  /** The dead man runs now (armed in this boot). */
  deadManActive: boolean;
}

/** Which boot the host is in, and is it the trial `id`'s. */
export function trialBootRead(id: string): RemoteRead<TrialBootState> {
  const token = trialToken(id);
  return {
    name: 'trial boot state',
    command: `printf '@@boot %s\\n' "$(cat /proc/sys/kernel/random/boot_id)"; printf '@@cmdline %s\\n' "$(cat /proc/cmdline)"; printf '@@deadman %s\\n' "$(systemctl is-active ${DEADMAN_UNIT} 2>/dev/null)"`,
    become: false,
    parse: (stdout) => {
      const bootId = /^@@boot (\S+)$/m.exec(stdout)?.[1];
      const cmdline = /^@@cmdline (.*)$/m.exec(stdout)?.[1];
      if (!bootId || cmdline === undefined) throw new Error('the trial boot state was not printed');
      return { bootId, cmdline, inTrial: cmdline.split(/\s+/).includes(token), deadManActive: /^@@deadman active$/m.test(stdout) };
    },
  };
}
