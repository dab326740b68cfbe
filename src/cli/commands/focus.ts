// kfleet focus TITLE: look harder where a finding happened. Full mode on the finding's slab cache
// only, on a few hosts of its cohort, for a window, then back: a generated play run by the rollout
// engine (`kfleet apply`, journaled, resumable), whose soak is the window, then `kfleet rollback`
// of that run. Each step is recorded in STATE/focus/ID.json before it starts, so
// `kfleet focus --resume ID` after a controller died finishes the run and still reverts. The
// record (with the generated playbook's text) lives in the state store (STATE/focus/ID.json, or the
// key focus/ID in etcd), so on etcd the focus resumes from any machine.
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { EXIT, KfleetError } from '../../errors.js';
import { loadInventory } from '../../inventory/load.js';
import { buildFindings } from '../../report/findings.js';
import { FocusError, focusPlaybook, focusTarget, pickFinding, type FocusTarget } from '../../report/focus-plan.js';
import { loadHostLog } from '../../report/log-store.js';
import type { HostReports } from '../../report/types.js';
import { addFleetOptions, intOption, type FleetCliOptions } from '../options.js';
import { defaultStateDir } from '../targets.js';
import { isEtcdState } from '../../state/location.js';
import { stateStore } from '../../state/open.js';

interface FocusOptions extends FleetCliOptions {
  hosts?: string;
  window?: string;
  stateDir?: string;
  resume?: string;
}

interface FocusRecord extends FocusTarget {
  id: string;
  window: string;
  /** Where the generated playbook is written on the machine that runs the focus. */
  playbook: string;
  /** Its text (written again wherever the focus is resumed). */
  playbook_text?: string;
  inventory: string[];
  /** The apply run, once it started. */
  run: string | null;
  phase: 'applying' | 'reverting' | 'done';
  apply_exit?: number | null;
  rollback_exit?: number | null;
  findings: string[];
}

export function register(program: Command): void {
  const cmd = program
    .command('focus')
    .description('full mode on a finding\'s slab cache on a few hosts of its cohort for a window, then revert (a journaled run; --resume after a controller died)')
    .argument('[title]', 'the finding\'s title as `kfleet report` printed it (or a unique part of it)');
  addFleetOptions(cmd, { inventoryRequired: false })
    .option('--hosts <n>', 'how many hosts of the cohort to focus', '2')
    .option('--window <duration>', 'how long full mode stays on (e.g. 30m, 2h)', '30m')
    .option('--state-dir <dir>', 'state directory (default .kfleet/ beside the inventory)')
    .option('--resume <id>', 'finish a focus whose controller died (its run is resumed, then reverted)')
    .action(async (title: string | undefined, o: FocusOptions) => {
      process.exitCode = await focus(title, o);
    });
}

function save(stateDir: string, r: FocusRecord): void {
  stateStore(stateDir).saveRecord('focus', r.id, r);
}

/** The generated playbook's file: beside the record in a state directory, in the temp dir on etcd. */
function playbookFile(stateDir: string, id: string): string {
  const dir = isEtcdState(stateDir) ? join(tmpdir(), 'kfleet-focus') : join(stateDir, 'focus');
  mkdirSync(dir, { recursive: true });
  return join(dir, `${id}.yml`);
}

/** Run `kfleet ARGS --json` as a child; its events are passed through (or summarized) and returned. */
function kfleet(args: string[], json: boolean, onEvent: (e: Record<string, unknown>) => void): Promise<number | null> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [process.argv[1]!, ...args, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        if (json) process.stdout.write(`${line}\n`);
        try {
          onEvent(JSON.parse(line) as Record<string, unknown>);
        } catch {
          /* not an event */
        }
      }
    });
    child.on('close', (code) => done(code));
  });
}

function create(title: string, o: FocusOptions, stateDir: string, inventory: string[], hostNames: string[]): FocusRecord {
  const per: HostReports[] = [];
  const releaseOf = new Map<string, string>();
  for (const h of hostNames) {
    const s = loadHostLog(stateDir, h);
    if (s.release) releaseOf.set(h, s.release);
    per.push({ host: h, ...(s.release ? { release: s.release } : {}), reports: s.reports }, ...(s.past ?? []).map((p) => ({ host: h, reports: p.reports })));
  }
  try {
    const target = focusTarget(pickFinding(buildFindings(per), title), hostNames, releaseOf, intOption(o.hosts, '--hosts', 2));
    const id = `focus-${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${Math.random().toString(36).slice(2, 6)}`;
    const window = o.window ?? '30m';
    const playbook = playbookFile(stateDir, id);
    const text = focusPlaybook(target, window);
    writeFileSync(playbook, text);
    return { ...target, id, window, playbook, playbook_text: text, inventory, run: null, phase: 'applying', findings: [] };
  } catch (e) {
    if (e instanceof FocusError) throw new KfleetError('FOCUS_TARGET', e.message, { exitCode: EXIT.INPUT, hint: e.hint });
    throw e;
  }
}

async function focus(title: string | undefined, o: FocusOptions): Promise<number> {
  const inventory = (o.inventory ?? []).map((p) => resolve(p));
  const given = o.stateDir ?? defaultStateDir(inventory);
  const stateDir = isEtcdState(given) ? given : resolve(given);
  let rec: FocusRecord;
  if (o.resume) {
    const found = stateStore(stateDir).loadRecord('focus', o.resume) as FocusRecord | null;
    if (!found) throw new KfleetError('FOCUS_UNKNOWN', `no focus ${o.resume} in ${stateDir}`, { exitCode: EXIT.INPUT, hint: `the ids are ${stateStore(stateDir).recordsWhere('focus')}` });
    rec = found;
    // Resumed on another machine (etcd): the generated playbook is written here again, byte for byte.
    if (rec.playbook_text !== undefined) {
      rec.playbook = playbookFile(stateDir, rec.id);
      writeFileSync(rec.playbook, rec.playbook_text);
    }
  } else {
    if (!title) throw new KfleetError('USAGE', 'kfleet focus needs a finding title (or --resume ID)', { exitCode: EXIT.INPUT, hint: 'titles are what `kfleet report` prints, e.g. "KFENCE: use-after-free read in foo"' });
    if (!inventory.length) throw new KfleetError('USAGE', 'kfleet focus needs -i INVENTORY', { exitCode: EXIT.INPUT, hint: 'the inventory the finding was reported from, e.g. kfleet focus -i inventory/prod.ini TITLE' });
    const inv = await loadInventory(inventory);
    rec = create(title, o, stateDir, inventory, inv.hosts.map((h) => h.name));
    save(stateDir, rec);
  }
  process.stderr.write(`focus ${rec.id}: full mode on ${rec.cache} for ${rec.window} on ${rec.hosts.join(', ')}; resume with: kfleet focus --resume ${rec.id} --state-dir ${stateDir}\n`);
  const common = [...rec.inventory.flatMap((i) => ['-i', i]), '--state-dir', stateDir, ...(o.knownHosts ?? []).flatMap((k) => ['--known-hosts', k])];
  const onEvent = (e: Record<string, unknown>): void => {
    if (e['type'] === 'run.start' && rec.phase === 'applying' && rec.run === null) {
      rec.run = String(e['run']);
      save(stateDir, rec);
    }
    if (e['type'] === 'host.finding') rec.findings.push(`${String(e['host'])}: ${String(e['summary'])}`);
  };
  if (rec.phase === 'applying') {
    const args = rec.run ? ['apply', '--resume', rec.run, rec.playbook, '--yes', ...common] : ['apply', rec.playbook, '--yes', ...common];
    rec.apply_exit = await kfleet(args, !!o.json, onEvent);
    rec.phase = 'reverting';
    save(stateDir, rec);
  }
  if (rec.phase === 'reverting') {
    if (rec.run) rec.rollback_exit = await kfleet(['rollback', rec.run, ...common], !!o.json, onEvent);
    rec.phase = 'done';
    save(stateDir, rec);
  }
  if (!o.json) {
    process.stdout.write(`focus ${rec.id}: run ${rec.run ?? '-'} (exit ${rec.apply_exit ?? '-'}), reverted by rollback (exit ${rec.rollback_exit ?? '-'})\n`);
    for (const f of rec.findings) process.stdout.write(`  found during the window: ${f}\n`);
    if (rec.findings.length === 0) process.stdout.write('  nothing found during the window\n');
  }
  return rec.run && rec.rollback_exit === 0 && (rec.apply_exit === 0 || rec.apply_exit === 1) ? EXIT.OK : EXIT.FAILED;
}
