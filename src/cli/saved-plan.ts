// Loading a saved plan for `kfleet apply plan.json`: the plan file is validated, and the playbook
// it was made from must be unchanged (its sha256 is in the plan), or the plan is refused whole.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { EXIT, KfleetError } from '../errors.js';
import { parseSavedPlan } from '../plan/plan-fleet.js';
import type { HostPlan } from '../plan/types.js';

export interface LoadedPlan {
  playbookFile: string;
  /** play name -> host -> plan */
  plans: Map<string, Map<string, HostPlan>>;
}

export async function loadSavedPlanForApply(file: string): Promise<LoadedPlan> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new KfleetError('PLAN_UNREADABLE', `cannot read the plan ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { exitCode: EXIT.INPUT, hint: 'check the path; a plan file is what `kfleet plan --out FILE` wrote' });
  }
  const saved = parseSavedPlan(text, file);
  let current: string;
  try {
    current = createHash('sha256').update(readFileSync(saved.playbook.file)).digest('hex');
  } catch {
    throw new KfleetError('PLAN_PLAYBOOK_MISSING', `the plan was made from ${saved.playbook.file}, which cannot be read now`, { exitCode: EXIT.INPUT, location: { file }, hint: 'run kfleet from the directory the plan was made in, or make the plan again' });
  }
  if (current !== saved.playbook.sha256) {
    throw new KfleetError('PLAN_STALE', `${saved.playbook.file} changed after the plan ${file} was saved`, { exitCode: EXIT.INPUT, location: { file }, hint: 'make a new plan with `kfleet plan --out` and review it' });
  }
  return { playbookFile: saved.playbook.file, plans: new Map(saved.plays.map((p) => [p.name, new Map(p.hosts.map((h) => [h.host, h]))])) };
}
