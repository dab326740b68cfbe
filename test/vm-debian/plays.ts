// The tier's playbooks and readers of kfleet's --json events, shared by its files.
import type { KfleetEvent } from '../vm/kfleet-cli.js';

export function bootPlay(extra = '  slabs: { only: [kmalloc-32, kmalloc-64] }\n'): string {
  return [
    'name: boot-time sampling through GRUB',
    'hosts: debian',
    'kfence:',
    '  mode: sampling',
    '  sample_interval: 100',
    '  apply: boot',
    extra.trimEnd(),
    'rollout:',
    '  phases: [1, "100%"]',
    '  max_fail_percentage: 0',
    '  soak: 1s',
    '  health: { unexpected_reboot: fail, kfence_bugs: report }',
    'reboot: { allowed: true, max_parallel: 3, timeout: 600s, stable_for: 2s }',
    '',
  ].filter((l) => l !== '').join('\n') + '\n';
}

export const phases = (events: KfleetEvent[]): string[][] => events.filter((e) => e.type === 'phase.start').map((e) => e['hosts'] as string[]);
export const fired = (events: KfleetEvent[]): string[] => events.filter((e) => e.type === 'host.reboot' && e['stage'] === 'fire').map((e) => e.host ?? '');
/** Run ids kfleet printed, for the files that follow (rollback). */
export const runs = { rollout: '' };


/** Every remote command may take minutes under TCG on a loaded host (update-grub took 80 s in the
 *  image build): kfleet's default of 120 s per command is too short there. */
export const SLOW = ['--command-timeout', '900'];
