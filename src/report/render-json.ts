// Findings as one stable JSON document (`kfleet report --json`): fixed key order, findings in
// compareFindings order, hosts by name, no volatile fields unless the caller passes them.

import type { ExposureReport } from './exposure.js';
import { compareFindings } from './findings.js';
import type { Finding, KfenceReport } from './types.js';

export const FINDINGS_SCHEMA = 1 as const;

/** One scanned host, whether or not it had findings. */
export interface HostScan {
  host: string;
  release: string | null;
  /** Reports found on the host (after the `since` filter). */
  reports: number;
  /** `total bugs` from the host's stats, null when unknown. */
  total_bugs?: number | null;
  /** Why the host could not be read, when it could not. */
  error?: string;
  /** What could not be observed on a host that was read: its kernel log, its debugfs stats. */
  unreadable?: ('kernel log' | 'stats')[];
}

export interface FindingsDocumentInput {
  findings: readonly Finding[];
  hosts?: readonly HostScan[];
  /** ISO time or run id the report was limited to. */
  since?: string;
  generated_at?: string;
  /** Exposure accounting (exposure.ts), when hosts were observed. */
  exposure?: ExposureReport;
}

type JsonReport = Omit<KfenceReport, 'text'>;
export type JsonFinding = Omit<Finding, 'example_report'> & { example_report: JsonReport };

export interface FindingsDocument {
  schema: typeof FINDINGS_SCHEMA;
  generated_at?: string;
  since?: string;
  summary: { findings: number; reports: number; hosts_affected: number; hosts_scanned: number | null };
  findings: JsonFinding[];
  hosts?: HostScan[];
  exposure?: ExposureReport;
}

function jsonFinding(f: Finding): JsonFinding {
  const { text: _text, ...report } = f.example_report;
  return {
    signature: f.signature,
    kind: f.kind,
    access: f.access,
    title: f.title,
    titles: [...f.titles],
    alt_titles: [...f.alt_titles],
    function: f.function,
    module: f.module,
    frames: [...f.frames],
    hosts: f.hosts.map((h) => ({ host: h.host, count: h.count, first_seen: h.first_seen, last_seen: h.last_seen, release: h.release })),
    count: f.count,
    corrupted: f.corrupted,
    releases: [...f.releases],
    first_seen: f.first_seen,
    last_seen: f.last_seen,
    example: f.example,
    example_report: report,
  };
}

export function findingsDocument(input: FindingsDocumentInput): FindingsDocument {
  const findings = [...input.findings].sort(compareFindings).map(jsonFinding);
  const affected = new Set(findings.flatMap((f) => f.hosts.map((h) => h.host)));
  return {
    schema: FINDINGS_SCHEMA,
    ...(input.generated_at !== undefined ? { generated_at: input.generated_at } : {}),
    ...(input.since !== undefined ? { since: input.since } : {}),
    summary: {
      findings: findings.length,
      reports: findings.reduce((n, f) => n + f.count, 0),
      hosts_affected: affected.size,
      hosts_scanned: input.hosts ? input.hosts.length : null,
    },
    findings,
    ...(input.hosts ? { hosts: [...input.hosts].sort((a, b) => (a.host < b.host ? -1 : a.host > b.host ? 1 : 0)) } : {}),
    ...(input.exposure ? { exposure: input.exposure } : {}),
  };
}

export function renderFindingsJson(input: FindingsDocumentInput): string {
  return `${JSON.stringify(findingsDocument(input), null, 2)}\n`;
}
