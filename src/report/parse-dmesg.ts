// Kernel log text -> KFENCE reports and `kfence:` status lines.
//
// A report is `====` / `BUG: KFENCE: ...` / detail line / access stack / object line / allocation
// and free tracks / `CPU:` and `Hardware name:` / `====` (mm/kfence/report.c; Anolis prints the
// same lines, with per-area object indexes and `cache=PAGE`). Real logs interleave other CPUs'
// lines, lose the start of the oldest report to a ring buffer wrap, and may end mid-report; the
// parser keeps what it can, marks such reports `truncated`, and never throws.

import { splitLog, type LogLine } from './log-line.js';
import {
  RULE,
  isFooterExtra,
  isHashedAddress,
  isNoStack,
  isReportLine,
  parseBug,
  parseCpu,
  parseDetail,
  parseFrame,
  parseHardware,
  parseObject,
  parseStatus,
  parseTrack,
} from './report-grammar.js';
import { titleReport } from './report-title.js';
import type { KfenceReport, KfenceStatusLine, TrackInfo } from './types.js';

export interface ParsedLog {
  reports: KfenceReport[];
  status: KfenceStatusLine[];
}

/** Internal result that also says where each report started and whether the last one is open. */
export interface ParsedLines extends ParsedLog {
  /** Index (into the input lines) of each report's first line, parallel to `reports`. */
  starts: number[];
  /** Index of the first line of a report still open at the end of the input (or of a trailing
   *  opening rule with no report yet), else null: a later read should start there. */
  open_start: number | null;
  /** Whether the last of `reports` is the open one (false when only a rule is pending). */
  open_report: boolean;
  /** Index of each status line, parallel to `status`. */
  status_lines: number[];
}

type Section = 'header' | 'access' | 'object' | 'alloc' | 'free' | 'footer';

interface Builder {
  r: KfenceReport;
  section: Section;
  lines: string[];
  start: number;
  sawBug: boolean;
}

function emptyReport(ts: number | null, truncated: boolean): KfenceReport {
  return {
    kind: 'unknown',
    access: null,
    function: null,
    offset: null,
    module: null,
    address: null,
    address_hashed: null,
    oob: null,
    corruption: null,
    object_index: null,
    object: null,
    access_stack: [],
    allocated: null,
    freed: null,
    cpu: null,
    hardware: null,
    timestamp_s: ts,
    truncated,
    text: '',
    title: '',
    alt_titles: [],
    corrupted_reason: null,
  };
}

/** Parse a whole kernel log (dmesg or journalctl -k output). */
export function parseDmesg(text: string): ParsedLog {
  const { reports, status } = parseLogLines(splitLog(text));
  return { reports, status };
}

export function parseLogLines(lines: readonly LogLine[]): ParsedLines {
  const reports: KfenceReport[] = [];
  const starts: number[] = [];
  const status: KfenceStatusLine[] = [];
  const status_lines: number[] = [];
  let cur: Builder | null = null;
  let pendingRule: { index: number; ts: number | null; msg: string } | null = null;
  // Stack lines seen outside any report: the access stack of a report whose header was lost.
  let orphans: { index: number; ts: number | null; msg: string }[] = [];

  const finish = (b: Builder, closed: boolean): void => {
    const r = b.r;
    if (!closed) r.truncated = true;
    if (!b.sawBug) r.truncated = true;
    if (r.function === null && r.access_stack[0]) {
      r.function = r.access_stack[0].fn;
      r.offset = r.access_stack[0].offset;
      r.module = r.access_stack[0].module;
    }
    while (b.lines.length > 0 && b.lines[b.lines.length - 1] === '') b.lines.pop();
    r.text = b.lines.join('\n');
    const t = titleReport(r);
    r.title = t.title;
    r.alt_titles = t.alt_titles;
    r.corrupted_reason = t.corrupted_reason;
    reports.push(r);
    starts.push(b.start);
  };

  const begin = (index: number, ts: number | null, truncated: boolean): Builder => {
    const b: Builder = { r: emptyReport(ts, truncated), section: 'header', lines: [], start: index, sawBug: false };
    if (pendingRule) {
      b.lines.push(pendingRule.msg);
      b.start = pendingRule.index;
      if (pendingRule.ts !== null) b.r.timestamp_s = pendingRule.ts;
    }
    pendingRule = null;
    return b;
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (!line) continue;
    const msg = line.msg;

    const st = parseStatus(msg);
    if (st) {
      status.push({ ...st, timestamp_s: line.ts });
      status_lines.push(i);
      continue;
    }

    if (RULE.test(msg)) {
      orphans = [];
      if (cur && cur.section === 'footer') {
        cur.lines.push(msg.trim());
        finish(cur, true);
        cur = null;
      } else {
        // A rule before the CPU/Hardware footer opens the next report: the current one was cut.
        if (cur) finish(cur, false);
        cur = null;
        pendingRule = { index: i, ts: line.ts, msg: msg.trim() };
      }
      continue;
    }

    if (isReportLine(msg)) {
      orphans = [];
      if (cur) finish(cur, false);
      cur = begin(i, line.ts, false);
      cur.sawBug = true;
      cur.lines.push(msg);
      const h = parseBug(msg);
      if (h) {
        cur.r.kind = h.kind;
        cur.r.access = h.access;
        const f = parseFrame(h.where, 'symbol');
        cur.r.function = f ? f.fn : h.where;
        cur.r.offset = f ? f.offset : null;
        cur.r.module = f ? f.module : null;
      }
      continue;
    }

    if (!cur) {
      // Only a KFENCE-specific line may open a report whose start was lost.
      if (msg.trim() === '') continue;
      if (parseDetail(msg) || parseObject(msg) || parseTrack(msg)) {
        pendingRule = null;
        const first = orphans[0];
        cur = first ? begin(first.index, first.ts, true) : begin(i, line.ts, true);
        if (orphans.length > 0) {
          cur.section = 'access';
          for (const o of orphans) consume(cur, o.msg);
        }
        orphans = [];
      } else {
        if (pendingRule && i - pendingRule.index > 1) pendingRule = null;
        if (parseFrame(msg)) orphans.push({ index: i, ts: line.ts, msg });
        else orphans = [];
        continue;
      }
    }
    consume(cur, msg);
  }
  let open_start: number | null = null;
  let open_report = false;
  if (cur) {
    open_start = cur.start;
    open_report = true;
    finish(cur, false);
  } else if (pendingRule) {
    open_start = pendingRule.index;
  }
  return { reports, status, starts, open_start, open_report, status_lines };
}

function currentTrack(b: Builder): TrackInfo | null {
  if (b.section === 'alloc') return b.r.allocated;
  if (b.section === 'free') return b.r.freed;
  return null;
}

function consume(b: Builder, msg: string): void {
  const r = b.r;
  if (msg.trim() === '') {
    b.lines.push('');
    return;
  }
  const d = parseDetail(msg);
  if (d) {
    r.kind = d.kind;
    r.access = d.access;
    r.address = d.address;
    r.address_hashed = isHashedAddress(d.address);
    r.object_index = d.index;
    r.oob = d.oob ?? null;
    r.corruption = d.corruption ?? null;
    b.section = 'access';
    b.lines.push(msg);
    return;
  }
  const obj = parseObject(msg);
  if (obj) {
    r.object = obj;
    if (r.object_index === null) r.object_index = obj.index;
    b.section = 'object';
    b.lines.push(msg);
    return;
  }
  const t = parseTrack(msg);
  if (t) {
    const info: TrackInfo = { task: t.task, cpu: t.cpu, at_s: t.at_s, ago_s: t.ago_s, stack: [] };
    if (t.rcu) info.rcu = true;
    if (t.object) {
      r.object = t.object;
      if (r.object_index === null) r.object_index = t.object.index;
    }
    if (t.which === 'allocated') {
      r.allocated = info;
      b.section = 'alloc';
    } else {
      r.freed = info;
      b.section = 'free';
    }
    b.lines.push(msg);
    return;
  }
  const cpu = parseCpu(msg);
  if (cpu) {
    r.cpu = cpu;
    b.section = 'footer';
    b.lines.push(msg);
    return;
  }
  const hw = parseHardware(msg);
  if (hw !== null) {
    r.hardware = hw;
    b.section = 'footer';
    b.lines.push(msg);
    return;
  }
  if (b.section === 'footer') {
    if (isFooterExtra(msg) || parseFrame(msg)) b.lines.push(msg);
    return;
  }
  if (isNoStack(msg)) {
    b.lines.push(msg);
    return;
  }
  const frame = parseFrame(msg, b.section === 'object' || b.section === 'header' ? 'indented' : 'relaxed');
  if (frame) {
    const track = currentTrack(b);
    if (track) track.stack.push(frame);
    else if (b.section === 'access' || b.section === 'header') r.access_stack.push(frame);
    else return; // a frame between the object line and a track: not ours
    b.lines.push(msg);
    return;
  }
  // Anything else is another CPU's line interleaved with the report: left out.
}
