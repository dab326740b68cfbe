// KFENCE report titles exactly as syzkaller (syzbot) gives them, so a kfleet finding carries the
// name kernel developers search for: `KFENCE: use-after-free read in FUNC`, its alternative titles
// (`bad-access in FUNC`, `invalid-free in FUNC`) used for deduplication, and syzkaller's marking of
// reports it cannot trust ("corrupted": no stack, a lost frame, a timestamp inside the title).
//
// A port of the KFENCE part of github.com/google/syzkaller pkg/report (linux.go: the four KFENCE
// oops formats, linuxStackParams; report.go: extractDescription, extractStackFrameImpl,
// partiallyStrippedArgs, isCorrupted, dynamicTitleReplacement, sanitizeTitle), followed at
// SYZKALLER_COMMIT. Checked against syzkaller's own KFENCE test cases (test/report/syzkaller/).
//
// Input: a report's text as the parser keeps it (KfenceReport.text: log prefixes removed, the
// lines of other CPUs dropped), which is what syzkaller's findReport makes of a console log.

import { CORRUPTED_LINES, RISCV_STACK_START, SKIP_PATTERNS, STACK_START_RES, STRIP_FRAME_PREFIXES } from './syz-frames.js';

/** The syzkaller commit whose pkg/report this follows (2026-08-17; linux.go last changed in f248a32df499). */
export const SYZKALLER_COMMIT = '1e72964b0111319984575e60f266d1fa0a98abb5';

export interface SyzTitle {
  title: string;
  /** Alternative titles, sorted; two reports whose titles or alternative titles intersect are one bug. */
  alt_titles: string[];
  corrupted: boolean;
  /** syzkaller's reason, e.g. `no stack trace in report`; null when not corrupted. */
  corrupted_reason: string | null;
}

const FUNC = '([a-zA-Z0-9_]+)(?:\\.|\\+)';
const PC = '\\[<?(?:0x)?[0-9a-f]+>?\\]';

interface Format {
  title: RegExp;
  fmt: (a: string[]) => string;
  alt: ((a: string[]) => string)[];
  /** The stack-trace corruption check does not apply (syzkaller's noStackTrace). */
  noStackTrace: boolean;
}

// linux.go, oops "BUG:", the KFENCE formats in syzkaller's order. Arguments are the title's
// captures followed by the guilty frame.
const FORMATS: readonly Format[] = [
  {
    title: new RegExp(`BUG: KFENCE: (use-after-free|out-of-bounds) (read|write) in ${FUNC}`),
    fmt: (a) => `KFENCE: ${a[0]} ${a[1]} in ${a[3]}`,
    alt: [(a) => `bad-access in ${a[3]}`],
    noStackTrace: false,
  },
  {
    title: new RegExp(`BUG: KFENCE: invalid free in ${FUNC}`),
    fmt: (a) => `KFENCE: invalid free in ${a[1]}`,
    alt: [(a) => `invalid-free in ${a[1]}`],
    noStackTrace: true,
  },
  {
    title: new RegExp(`BUG: KFENCE: invalid (read|write) in ${FUNC}`),
    fmt: (a) => `KFENCE: invalid ${a[0]} in ${a[2]}`,
    alt: [(a) => `bad-access in ${a[2]}`],
    noStackTrace: false,
  },
  {
    title: new RegExp(`BUG: KFENCE: memory corruption in ${FUNC}`),
    fmt: (a) => `KFENCE: memory corruption in ${a[1]}`,
    alt: [],
    noStackTrace: true,
  },
];

/** The first part of every KFENCE stackFmt: the BUG line's function is the first candidate frame. */
const BUG_FRAME = new RegExp(`BUG: KFENCE: (?:[a-z\\- ]+) in ${FUNC}`);
/** linuxStackParams.frameRes. */
const FRAME_RES = [new RegExp(`^ *(?:${PC} ){0,2}${FUNC}`), new RegExp(`^ *${PC} \\(([a-zA-Z0-9_.]+)\\) from ${PC} \\(${FUNC}`)];
const SKIP = new RegExp(SKIP_PATTERNS.join('|'));
const CORRUPTED_TITLE = /\[ *[0-9]+\.[0-9]+\]/;
/** A `? func` line: syzkaller drops these "questionable" frames from a report read with timestamps. */
const QUESTIONABLE = /^(?:\[<[0-9a-f]+>\])? \? /;

const matchesAny = (s: string, res: readonly RegExp[]): boolean => res.some((re) => re.test(s));

/** Go's fmt of a missing frame: syzkaller uses "corrupted" and marks the report. */
const CORRUPTED_FRAME = 'corrupted';

function appendFrames(frames: string[], m: RegExpExecArray | null): void {
  if (!m) return;
  for (const f of m.slice(1)) if (f !== undefined && !SKIP.test(f)) frames.push(f);
}

/** stackParams.stripFrames for one frame: the shortest result of trimming any one prefix. */
function stripFrame(f: string): string {
  let best = f;
  for (const p of STRIP_FRAME_PREFIXES) {
    const t = f.startsWith(p) ? f.slice(p.length) : f;
    if (t.length < best.length) best = t;
  }
  return best;
}

interface Guilty {
  canonical: string;
  raw: string;
  ok: boolean;
}

/** extractStackFrameImpl with parts [BUG_FRAME, parseStackTrace] and the default extractor. */
function guiltyFrame(lines: readonly string[]): Guilty {
  let i = 0;
  let ok = true;
  const raw: string[] = [];
  for (; i < lines.length; i++) {
    const ln = lines[i]!;
    if (matchesAny(ln, CORRUPTED_LINES)) {
      ok = false;
      i++;
      break;
    }
    const m = BUG_FRAME.exec(ln);
    if (m) {
      appendFrames(raw, m);
      i++;
      break;
    }
  }
  for (; i < lines.length; i++) {
    const ln = lines[i]!;
    if (matchesAny(ln, CORRUPTED_LINES)) {
      ok = false;
      break;
    }
    if (matchesAny(ln, STACK_START_RES)) break;
    let m: RegExpExecArray | null = null;
    for (const re of FRAME_RES) if ((m = re.exec(ln))) break;
    appendFrames(raw, m);
  }
  const first = raw[0];
  if (first === undefined) return { canonical: CORRUPTED_FRAME, raw: CORRUPTED_FRAME, ok: false };
  return { canonical: stripFrame(first), raw: first, ok };
}

/** isCorrupted's stack-trace check (the title check is done by the caller). */
function stackCorruption(lines: readonly string[]): string | null {
  let hasStackTrace = false;
  for (const key of STACK_START_RES) {
    const at = lines.findIndex((l) => key.test(l));
    if (at < 0) continue;
    const frames = lines.slice(at);
    if (frames.length < 4) return 'call trace is missed';
    let corrupted = true;
    const next = frames.slice(1, 16);
    for (const ln of next) {
      if (matchesAny(ln, STACK_START_RES)) break;
      if (ln.includes('(stack is not available)') || matchesAny(ln, FRAME_RES)) {
        hasStackTrace = true;
        corrupted = false;
        break;
      }
    }
    if (key !== RISCV_STACK_START && corrupted) return 'no frames in a stack trace';
  }
  return hasStackTrace ? null : 'no stack trace in report';
}

const REPLACEMENTS: readonly [RegExp, string][] = [
  [/syz-executor\.?[0-9]+((\/|:)[0-9]+)?/g, 'syz-executor'],
  [/syzkaller[0-9]+((\/|:)[0-9]+)?/g, 'syzkaller'],
  [/([^a-zA-Z0-9])(?:0x)?[0-9a-f]{6,}/g, '$1ADDR'],
  [/([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})/g, 'IP'],
  [/(\.\w+)(:[0-9]+)+/g, '$1:LINE'],
  [/([a-zA-Z][a-zA-Z0-9_.]+)\+0x[0-9a-z]+\/0x[0-9a-z]+/g, '$1'],
  [/CPU#[0-9]+/g, 'CPU'],
  [/(\W)(\d+)(\W|$)/g, '$1NUM$3'],
  [/(\d+){7,}/g, 'NUM'],
];

/** report.go replaceTable(dynamicTitleReplacement) then sanitizeTitle. */
export function sanitizeSyzTitle(title: string): string {
  let s = title;
  for (const [re, to] of REPLACEMENTS) {
    for (let prev = ''; prev !== s; ) {
      prev = s;
      s = s.replace(re, to);
    }
  }
  let out = '';
  let prev = ' ';
  for (let i = 0; i < s.length && i < 120; i++) {
    let ch = s[i]!;
    const c = s.charCodeAt(i);
    if (ch === '\t') ch = ' ';
    else if (c < 0x20 || c >= 0x7f) continue;
    if (ch === ' ' && prev === ' ') continue;
    out += ch;
    prev = ch;
  }
  return out.trim();
}

/**
 * syzkaller's title for one KFENCE report's text, or null when the text has no `BUG: KFENCE:`
 * line (a report whose start was lost; see report-title.ts).
 */
export function syzTitle(text: string): SyzTitle | null {
  const all = text.split('\n');
  const bugAt = all.findIndex((l) => l.includes('BUG: KFENCE:'));
  if (bugAt < 0) return null;
  const lines = all.filter((l) => !QUESTIONABLE.test(l));
  let best: { at: number; f: Format; m: RegExpExecArray; line: number } | null = null;
  for (const f of FORMATS) {
    for (let i = 0; i < lines.length; i++) {
      const m = f.title.exec(lines[i]!);
      if (!m) continue;
      if (!best || i < best.line || (i === best.line && m.index < best.at)) best = { at: m.index, f, m, line: i };
      break;
    }
  }
  if (!best) {
    // No format matched (a BUG line without `+off/size`): syzkaller titles the report by the line.
    const line = all[bugAt]!;
    return { title: sanitizeSyzTitle(line.slice(line.indexOf('BUG: KFENCE:'))), alt_titles: [], corrupted: false, corrupted_reason: null };
  }
  const { f, m, line } = best;
  const prefix = m.slice(1).map((x) => x ?? '');
  const from = [lines[line]!.slice(m.index), ...lines.slice(line + 1)];
  const g = guiltyFrame(from);
  const title = f.fmt([...prefix, g.canonical]);
  const alts: string[] = f.alt.map((a) => a([...prefix, g.canonical]));
  // partiallyStrippedArgs: the raw frame, and the frame with each strippable prefix removed.
  const variants = [g.raw, ...STRIP_FRAME_PREFIXES.filter((p) => g.raw.startsWith(p)).map((p) => g.raw.slice(p.length))];
  for (const v of variants) {
    const t = f.fmt([...prefix, v]);
    if (t !== title) alts.push(t);
    for (const a of f.alt) alts.push(a([...prefix, v]));
  }
  let reason: string | null = g.ok ? null : 'no frames';
  const clean = sanitizeSyzTitle(title);
  if (reason === null && CORRUPTED_TITLE.test(title)) reason = 'title matches corrupted regexp';
  if (reason === null && !f.noStackTrace) reason = stackCorruption(from);
  const alt_titles = [...new Set(alts.map(sanitizeSyzTitle))].sort();
  return { title: clean, alt_titles, corrupted: reason !== null, corrupted_reason: reason };
}
