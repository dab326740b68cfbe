// The findings side's public API: what src/cli, src/facts and src/rollout call.
export type * from './types.js';
export { splitLog, splitLogLine, type LogLine } from './log-line.js';
export { parseDmesg, parseLogLines, type ParsedLog, type ParsedLines } from './parse-dmesg.js';
export { parseKfenceStats, parseKfenceStatsDetail, totalBugs, type PoolNodeRow, type StatsDetail } from './parse-stats.js';
export { initialCursor, readNewKernelLog, kernelLogCommand, type ReadResult, type ReadOptions, type KernelLogSource } from './cursor.js';
export {
  buildFindings,
  compareFindings,
  filterSince,
  normalizeSymbol,
  reportSignature,
  reportTime,
  reportTitle,
  signatureFrames,
  titleSignature,
  DEFAULT_SIGNATURE_FRAMES,
  type FindingsOptions,
} from './findings.js';
export { renderFindingsTable, renderFindingHosts, printable, shortTime, type TableOptions } from './render-table.js';
export { renderFindingsJson, findingsDocument, FINDINGS_SCHEMA, type FindingsDocument, type FindingsDocumentInput, type HostScan, type JsonFinding } from './render-json.js';
export { renderFindingsHtml, escapeHtml, type HtmlOptions } from './render-html.js';
export { renderPrometheus, escapeLabelValue, type HostKfenceStatus } from './prometheus.js';
export { findingEvents, type FindingEvent } from './finding-events.js';
export { kfenceReadCommand, parseKfenceRead, STATS_PATH, UNREADABLE, type KfenceRead } from './kfence-read.js';
export { syzTitle, sanitizeSyzTitle, SYZKALLER_COMMIT, type SyzTitle } from './syz-title.js';
export { isReportLine } from './report-grammar.js';
