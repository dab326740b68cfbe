// kfleet plan: what would change on each host, from live facts (over SSH) or from fact files
// (--facts DIR, one <host>.json per host). Prints a readable diff, --json a document, --out a
// saved plan that `kfleet apply plan.json` applies exactly.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT } from '../../errors.js';
import { parseFactsJson } from '../../facts/load-fact-files.js';
import type { HostFacts } from '../../facts/types.js';
import { planHost } from '../../plan/plan-host.js';
import { buildSavedPlan } from '../../plan/plan-fleet.js';
import { describePlan } from '../../plan/diff.js';
import { planIsEmpty, type HostPlan } from '../../plan/types.js';
import { addFleetOptions, intOption, type FleetCliOptions } from '../options.js';
import { loadTargets } from '../targets.js';
import { fleetPorts, transportFromOptions } from '../fleet-ports.js';
import { fanOut, hostErrorOf, overSessions } from '../../rollout/index.js';
import { EventBus } from '../../events.js';
import { plainRenderer } from '../render/plain.js';

interface PlanOptions extends FleetCliOptions {
  facts?: string;
  diff?: boolean;
  out?: string;
}

export function register(program: Command): void {
  const cmd = program.command('plan').description('show what would change on each host (nothing is written)').argument('<playbook>', 'playbook YAML');
  addFleetOptions(cmd)
    .option('--facts <dir>', 'plan from fact files (<dir>/<host>.json) instead of probing the hosts')
    .option('-D, --diff', 'show every knob before -> after and the kernel args diff (the default unless --json)')
    .option('-o, --out <file>', 'save the plan for `kfleet apply <file>`')
    .action(async (file: string, o: PlanOptions) => {
      process.exitCode = await plan(file, o);
    });
}

export interface PlanDocument {
  summary: { hosts: number; changed: number; unchanged: number; reboot_required: number; refused: number; unreachable: number };
  hosts: Array<{ name: string; play: string; changes: HostPlan['changes']; reboot_required: boolean; reboot_reasons: string[]; refused: HostPlan['refused']; warnings: string[]; error?: { code: string; message: string } }>;
}

async function plan(file: string, o: PlanOptions): Promise<number> {
  const t = await loadTargets(file, o.inventory, o.limit);
  const bus = new EventBus();
  if (!o.json) bus.on(plainRenderer(process.stderr, o.verbose ?? false));
  const doc: PlanDocument = { summary: { hosts: 0, changed: 0, unchanged: 0, reboot_required: 0, refused: 0, unreachable: 0 }, hosts: [] };
  const plays: Array<{ name: string; hosts: HostPlan[] }> = [];
  for (const target of t.targets) {
    const results = new Map<string, HostPlan | { code: string; message: string }>();
    if (o.facts) {
      for (const h of target.hosts) {
        const p = join(o.facts, `${h.name}.json`);
        if (!existsSync(p)) {
          results.set(h.name, { code: 'NO_FACTS', message: `no fact file ${p}` });
          continue;
        }
        const facts: HostFacts = { ...parseFactsJson(readFileSync(p, 'utf8'), p), host: h.name };
        results.set(h.name, planHost(target.play, facts));
      }
    } else {
      const forks = intOption(o.forks, '--forks', target.play.rollout.forks);
      const transport = await transportFromOptions(o, bus, forks);
      const ports = fleetPorts({ hosts: target.hosts, transport, plan: (f) => planHost(target.play, f) });
      const reached = await fanOut(target.hosts.map((h) => h.name), forks, overSessions(ports.connect, async (session, host) => ports.plan(await ports.collect(session, host))));
      for (const r of reached) {
        const e = r.ok ? null : hostErrorOf(r.error);
        results.set(r.host, r.ok ? r.value : { code: e!.code, message: e!.message });
      }
    }
    const hostPlans: HostPlan[] = [];
    for (const h of target.hosts) {
      const r = results.get(h.name)!;
      doc.summary.hosts++;
      if ('code' in r) {
        doc.summary.unreachable++;
        doc.hosts.push({ name: h.name, play: target.play.name, changes: [], reboot_required: false, reboot_reasons: [], refused: [], warnings: [], error: r });
        if (!o.json) process.stdout.write(`${h.name}: ${r.code}: ${r.message}\n\n`);
        continue;
      }
      hostPlans.push(r);
      if (r.refused.length) doc.summary.refused++;
      else if (planIsEmpty(r)) doc.summary.unchanged++;
      else doc.summary.changed++;
      if (r.reboot.required && !r.refused.length) doc.summary.reboot_required++;
      doc.hosts.push({ name: h.name, play: target.play.name, changes: r.changes, reboot_required: r.reboot.required, reboot_reasons: r.reboot.reasons, refused: r.refused, warnings: r.warnings });
      if (!o.json && (!planIsEmpty(r) || o.verbose)) process.stdout.write(describePlan(r).map((l) => `${l}\n`).join('') + '\n');
    }
    plays.push({ name: target.play.name, hosts: hostPlans });
  }
  if (o.out) {
    const saved = buildSavedPlan({ createdAt: new Date(), playbook: { file: resolve(file), sha256: t.playbookSha256 }, inventory: o.inventory.join(','), plays });
    writeFileSync(o.out, JSON.stringify(saved, null, 2) + '\n');
  }
  if (o.json) process.stdout.write(JSON.stringify(doc, null, 2) + '\n');
  else {
    const s = doc.summary;
    process.stdout.write(`${s.hosts} hosts: ${s.changed} to change (${s.reboot_required} need a reboot), ${s.unchanged} unchanged, ${s.refused} refused${s.unreachable ? `, ${s.unreachable} without facts` : ''}${o.out ? `; plan saved to ${o.out}` : ''}\n`);
  }
  if (doc.summary.unreachable) return EXIT.FAILED;
  return doc.summary.refused ? EXIT.REFUSED : EXIT.OK;
}
