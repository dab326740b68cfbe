// Checks a saved plan must pass beyond its shape, because `kfleet apply plan.json` executes it
// as root and the file may have been edited by hand: every runtime write goes to a KFENCE
// parameter or a slab's KFENCE control with a kernel-parameter value, every kernel argument is a
// kfence.* (or kfleet.*) token, the boot unit script is exactly one kfleet generates (so a script
// edited into the plan is never installed), and a host appears once per play.
// Also: JSON positions (file:line:col) for the problems.
import { dropinTokens, renderDropin } from '../bootloader/grub-dropin.js';
import { parseDocument, LineCounter, isNode } from 'yaml';
import type { InputProblem, Location } from '../errors.js';
import { bootUnitScript, sha256Hex, type UnitSelection } from './boot-unit.js';
import type { SavedPlan } from './types.js';

const PARAM = /^\/sys\/module\/kfence\/parameters\/[a-z0-9_]+$/;
const SLAB = /^\/sys\/kernel\/slab\/[A-Za-z0-9_:.+-]+\/(kfence_enable|skip_kfence)$/;
const VALUE = /^(-?[0-9]{1,20}|[A-Za-z]{1,16})$/;
const ARG = /^(kfence|kfleet)\.[a-z0-9_]+(=[A-Za-z0-9_.:,+-]*)?$/;
const KERNEL = /^[A-Za-z0-9_./+:-]+$/;

export type JsonPath = ReadonlyArray<string | number>;

/** file:line:col of the value at `path` in a JSON text (the closest existing ancestor when it is missing). */
export function jsonLocator(text: string, file: string): (path: JsonPath) => Location {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false, prettyErrors: false });
  return (path) => {
    for (let p = [...path]; ; p = p.slice(0, -1)) {
      const n: unknown = p.length ? doc.getIn(p, true) : doc.contents;
      if (isNode(n) && n.range) return { file, ...lc.linePos(n.range[0]) };
      if (p.length === 0) return { file, line: 1, col: 1 };
    }
  };
}

/** file:line:col of a character offset. */
export function offsetLocation(text: string, file: string, offset: number): Location {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  return { file, line: before.split('\n').length, col: offset - before.lastIndexOf('\n') };
}

/** Regenerate the unit script from its own selection lines; undefined when it is not kfleet's. */
function unitSelection(script: string): UnitSelection | undefined {
  const c = /^C=(kfence_enable|skip_kfence)$/m.exec(script)?.[1] as UnitSelection['control'] | undefined;
  const kind = /^# Re-applies the KFENCE per-slab selection \((only|except):/m.exec(script)?.[1] as UnitSelection['kind'] | undefined;
  if (!c || !kind) return undefined;
  const names = [...script.matchAll(/^one ('[^']*'|[^\s']+) \S+$/gm)].map((m) => m[1]!.replace(/^'(.*)'$/, '$1'));
  return { control: c, kind, names };
}

export function checkSavedPlan(plan: SavedPlan, at: (path: JsonPath) => Location): InputProblem[] {
  const out: InputProblem[] = [];
  const bad = (path: JsonPath, message: string) => out.push({ message, location: at(path), hint: 'a saved plan is applied exactly as written: make it again with `kfleet plan --out FILE` instead of editing it' });
  plan.plays.forEach((play, pi) => {
    const seen = new Set<string>();
    play.hosts.forEach((h, hi) => {
      const base = ['plays', pi, 'hosts', hi];
      if (seen.has(h.host)) bad([...base, 'host'], `host ${h.host} appears twice in play "${play.name}"`);
      seen.add(h.host);
      h.runtime.forEach((s, si) => {
        if (s.op !== 'write') return;
        if (!(PARAM.test(s.path) || SLAB.test(s.path))) bad([...base, 'runtime', si, 'path'], `runtime step writes ${JSON.stringify(s.path)}, which is not a KFENCE parameter or slab control`);
        if (!VALUE.test(s.value)) bad([...base, 'runtime', si, 'value'], `runtime step value ${JSON.stringify(s.value)} is not a kernel parameter value`);
        else if (/^-?[0-9]+$/.test(s.value) && !Number.isSafeInteger(Number(s.value))) bad([...base, 'runtime', si, 'value'], `runtime step value ${s.value} is out of range`);
      });
      if (h.boot) {
        h.boot.kernels.forEach((k, ki) => {
          if (k === 'ALL' && (h.boot!.mechanism ?? 'grubby') === 'grubby') return;
          if (!KERNEL.test(k) || k.startsWith('-')) bad([...base, 'boot', 'kernels', ki], `boot kernel ${JSON.stringify(k)} is not a kernel path`);
        });
        // update-grub sources the drop-in as root: only kfleet's own format with kfence.* tokens.
        const dropin = h.boot.grub?.dropin_after;
        if (dropin !== undefined && dropin !== null) {
          const toks = dropinTokens(dropin);
          if (toks === null || renderDropin(toks) !== dropin || !toks.every((t) => ARG.test(t))) bad([...base, 'boot', 'grub', 'dropin_after'], 'the GRUB drop-in is not one kfleet generates (edited by hand?)');
        }
        const lines = [h.boot.kernel_cmdline?.after ?? '', ...h.boot.entries.map((e) => e.after)];
        if (lines.some((l) => /[\n\r]/.test(l))) bad([...base, 'boot', 'entries'], 'a kernel command line in the plan spans several lines');
        (['add', 'remove'] as const).forEach((w) =>
          h.boot![w].forEach((t, ti) => {
            if (!ARG.test(t)) bad([...base, 'boot', w, ti], `kernel argument ${JSON.stringify(t)} is not a kfence.* argument`);
          }),
        );
      }
      if (h.unit) {
        const sel = h.unit.action === 'install' ? unitSelection(h.unit.script) : undefined;
        if (h.unit.action === 'install' && (!sel || bootUnitScript(sel) !== h.unit.script)) bad([...base, 'unit', 'script'], 'the boot unit script is not one kfleet generates (edited by hand?)');
        else if (h.unit.action === 'install' && sha256Hex(h.unit.script) !== h.unit.hash) bad([...base, 'unit', 'hash'], 'the boot unit hash does not match its script');
      }
    });
  });
  return out;
}
