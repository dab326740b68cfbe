// Turns a HostPlan's runtime steps into ONE POSIX sh script (one round trip per host), and parses
// what it prints. Each write is followed by a read-back that is compared on the host against the
// step's expectation; the script stops at the first failed step, so nothing after a failure is
// written. Values and paths are validated here and quoted by shq() only.
import type { Expectation, RuntimeStep } from '../plan/types.js';
import { shq } from '../shell-quote.js';
import { KfleetError } from '../errors.js';
import type { StepResult } from './types.js';

const SAFE_PATH = /^\/(sys|proc)\/[A-Za-z0-9_.:/+-]+$/;
const SAFE_VALUE = /^[A-Za-z0-9_.:,+-]*$/;
const MARK = '@@kfleet-step';

function validateStep(s: RuntimeStep): void {
  if (s.op !== 'write') return;
  if (!SAFE_PATH.test(s.path) || s.path.includes('..')) {
    throw new KfleetError('PLAN_UNSAFE', `refusing to write to ${JSON.stringify(s.path)}: not a sysfs/procfs path`);
  }
  if (!SAFE_VALUE.test(s.value)) {
    throw new KfleetError('PLAN_UNSAFE', `refusing to write ${JSON.stringify(s.value)} to ${s.path}: not a kernel parameter value`);
  }
}

/** A shell condition that is true when "$v" satisfies the expectation. */
export function expectationTest(e: Expectation): string {
  if ('equals' in e) return `[ "$v" = ${shq(e.equals)} ]`;
  if ('one_of' in e) return `case "$v" in ${e.one_of.map(shq).join('|') || "''"}) true;; *) false;; esac`;
  return `[ "$v" -ge ${Math.trunc(e.int_at_least)} ] 2>/dev/null`;
}

export function expectationMatches(e: Expectation, v: string | null): boolean {
  if (v === null) return false;
  if ('equals' in e) return v === e.equals;
  if ('one_of' in e) return e.one_of.includes(v);
  return /^-?\d+$/.test(v) && Number(v) >= e.int_at_least;
}

export function describeExpectation(e: Expectation): string {
  if ('equals' in e) return e.equals;
  if ('one_of' in e) return `one of ${e.one_of.join(', ')}`;
  return `>= ${e.int_at_least}`;
}

/**
 * Output protocol, one line per step: `@@kfleet-step <index> <rc> <ok|bad> <readback>` followed by
 * the write's stderr (if any) on lines prefixed `@@kfleet-err <index> `.
 */
export function buildRuntimeScript(steps: RuntimeStep[]): string {
  const lines: string[] = ['#!/bin/sh', '# kfleet runtime steps', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin'];
  steps.forEach((s, i) => {
    validateStep(s);
    if (s.op === 'write') {
      lines.push(
        `err=$( { printf '%s\\n' ${shq(s.value)} > ${shq(s.path)}; } 2>&1 ); rc=$?`,
        `v=$(cat ${shq(s.path)} 2>/dev/null | head -n 1)`,
        `if [ "$rc" -eq 0 ] && ${expectationTest(s.expect)}; then r=ok; else r=bad; fi`,
        `printf '%s %s %s %s %s\\n' ${MARK} ${i} "$rc" "$r" "$v"`,
        `[ -n "$err" ] && printf '%s\\n' "$err" | head -n 3 | sed 's/^/@@kfleet-err ${i} /'`,
        `[ "$r" = ok ] || exit 10`,
      );
    } else {
      const want = s.enabled ? '1' : '0';
      const f = '/sys/kernel/debug/kfence/stats';
      lines.push(
        `if [ -r ${f} ]; then v=$(sed -n 's/^enabled:[[:space:]]*//p' ${f} | head -n 1); rc=0; else v=absent; rc=0; fi`,
        `if [ "$v" = ${want} ]${s.optional ? ' || [ "$v" = absent ]' : ''}; then r=ok; else r=bad; fi`,
        `printf '%s %s %s %s %s\\n' ${MARK} ${i} "$rc" "$r" "$v"`,
        `[ "$r" = ok ] || exit 10`,
      );
    }
  });
  lines.push('exit 0', '');
  return lines.join('\n');
}

export function parseRuntimeOutput(steps: RuntimeStep[], stdout: string): StepResult[] {
  const results = new Map<number, StepResult>();
  const errors = new Map<number, string[]>();
  for (const line of stdout.split('\n')) {
    if (line.startsWith(`${MARK} `)) {
      const m = /^@@kfleet-step (\d+) (-?\d+) (ok|bad) ?(.*)$/.exec(line.replace(/\r$/, ''));
      if (!m) continue;
      const i = Number(m[1]);
      const step = steps[i];
      if (!step) continue;
      results.set(i, {
        index: i,
        knob: step.knob,
        path: step.op === 'write' ? step.path : '/sys/kernel/debug/kfence/stats',
        value: step.op === 'write' ? step.value : step.enabled ? 'enabled: 1' : 'enabled: 0',
        rc: Number(m[2]),
        readback: m[4] === undefined ? null : m[4],
        ok: m[3] === 'ok',
      });
    } else if (line.startsWith('@@kfleet-err ')) {
      const m = /^@@kfleet-err (\d+) (.*)$/.exec(line);
      if (!m) continue;
      const i = Number(m[1]);
      errors.set(i, [...(errors.get(i) ?? []), m[2] ?? '']);
    }
  }
  const out = [...results.values()].sort((a, b) => a.index - b.index);
  for (const r of out) {
    const e = errors.get(r.index);
    if (e?.length) r.error = cleanShellError(e.join('; '));
  }
  return out;
}

/** "sh: 1: printf: write error: Invalid argument" -> "write error: Invalid argument". */
export function cleanShellError(s: string): string {
  const m = /(write error: .*|Permission denied.*|No such file or directory.*|Device or resource busy.*|Cannot allocate memory.*|Invalid argument.*)$/.exec(s);
  return (m?.[1] ?? s).trim();
}
