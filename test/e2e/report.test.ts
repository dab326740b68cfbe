// Issue 7 against the lab: bugs of every kind injected on several hosts; `kfleet report --json`
// lists one finding per signature with the right hosts and counts; a second report reads only the
// new log lines; --html writes a self-contained page; `kfleet status --prometheus` is well-formed.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLab, type BugKind, type Lab } from '../../src/lab/index.js';
import type { Finding } from '../../src/report/types.js';
import { events, kfleet, labPlaybook, tmp } from './support.js';
import { assertWitness, witnessMark } from '../support/witness.js';

const INJECT: Record<string, BugKind[]> = {
  'lab-001': ['use-after-free', 'out-of-bounds-read'],
  'lab-002': ['use-after-free', 'out-of-bounds-write', 'invalid-free'],
  'lab-003': ['use-after-free', 'memory-corruption'],
  'lab-004': ['invalid-access', 'use-after-free', 'use-after-free'],
  'lab-005': ['out-of-bounds-read', 'memory-corruption'],
  'lab-006': [],
};
const KEY: Record<BugKind, string> = {
  'use-after-free': 'use-after-free/read',
  'out-of-bounds-read': 'out-of-bounds/read',
  'out-of-bounds-write': 'out-of-bounds/write',
  'invalid-free': 'invalid-free/null',
  'memory-corruption': 'memory-corruption/null',
  'invalid-access': 'invalid-access/read',
};

function expected(inject: Record<string, BugKind[]>): Map<string, Record<string, number>> {
  const m = new Map<string, Record<string, number>>();
  for (const [host, bugs] of Object.entries(inject))
    for (const b of bugs) {
      const e = m.get(KEY[b]) ?? {};
      e[host] = (e[host] ?? 0) + 1;
      m.set(KEY[b], e);
    }
  return m;
}

function actual(findings: Finding[]): Map<string, Record<string, number>> {
  return new Map(findings.map((f) => [`${f.kind}/${f.access}`, Object.fromEntries(f.hosts.map((h) => [h.host, h.count]))]));
}

describe('e2e: findings across a lab fleet', function () {
  this.timeout(90_000);
  let lab: Lab;
  let dir: string;
  let state: string;
  let inv: string[];
  before(async () => {
    dir = tmp('report');
    state = join(dir, 'state');
    lab = await startLab({ mix: { 'upstream-6.12': 4, 'alinux-5.10.134-17': 2 }, stateDir: dir, downtimeMs: 150 });
    inv = ['-i', lab.inventoryPath];
    // KFENCE on everywhere first (upstream live, Alinux through a reboot): a disabled KFENCE sees nothing.
    const file = labPlaybook(dir, 'demo.yml', 'lab');
    const seen = await witnessMark(lab);
    const a = await kfleet(['apply', file, ...inv, '--state-dir', state, '--yes', '--json']);
    await assertWitness(lab, seen, { exitCode: a.code, events: events(a.stdout), journal: { stateDir: state } }, { playbook: file });
    assert.ok(events(a.stdout).filter((e) => e.type === 'host.result').every((e) => e.status === 'changed' || e.status === 'rebooted'), a.stdout.slice(-2000));
    for (const [host, bugs] of Object.entries(INJECT)) for (const b of bugs) assert.equal(lab.host(host).inject(b), 'reported', `${host} ${b}`);
  });
  after(async () => lab?.stop());

  it('report --json: one finding per signature, with the right hosts and counts', async () => {
    const r = await kfleet(['report', ...inv, '--state-dir', state, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const doc = JSON.parse(r.stdout) as { findings: Finding[]; hosts: Array<{ host: string; error?: string; total_bugs?: number | null }> };
    assert.equal(doc.findings.length, 6, doc.findings.map((f) => f.title).join('\n'));
    assert.equal(new Set(doc.findings.map((f) => f.signature)).size, 6);
    assert.deepEqual(actual(doc.findings), expected(INJECT));
    for (const f of doc.findings) {
      assert.equal(f.count, f.hosts.reduce((n, h) => n + h.count, 0));
      assert.match(f.example, /BUG: KFENCE:/);
      assert.ok(f.frames.length > 0 && f.frames.every((x) => !/\+0x/.test(x)), `frames without offsets: ${f.frames.join(',')}`);
    }
    const uaf = doc.findings.find((f) => f.kind === 'use-after-free')!;
    assert.deepEqual(uaf.releases.sort(), ['6.12.117+deb12-amd64']);
    const oobr = doc.findings.find((f) => f.kind === 'out-of-bounds' && f.access === 'read')!;
    assert.equal(oobr.releases.length, 2, 'seen on both kernels, one signature');
    assert.deepEqual(doc.hosts.map((h) => h.error).filter(Boolean), []);
    for (const h of doc.hosts) if (h.total_bugs !== undefined && h.total_bugs !== null) assert.equal(h.total_bugs, INJECT[h.host]!.length, h.host);
    // the table says the same
    const t = await kfleet(['report', ...inv, '--state-dir', state]);
    assert.match(t.stdout, /6 finding\(s\) on 5 of 6 hosts/);
  });

  it('a second report reads only new lines, and a newly injected bug appears', async () => {
    // Drop what the first report stored for lab-001: if the second report re-read the whole log,
    // lab-001's findings would come back; reading from the cursor, they cannot.
    const f = join(state, 'kernel-log', 'lab-001.json');
    const stored = JSON.parse(readFileSync(f, 'utf8')) as { reports: unknown[] };
    assert.equal(stored.reports.length, 2);
    writeFileSync(f, JSON.stringify({ ...stored, reports: [] }));
    assert.equal(lab.host('lab-006').inject('invalid-free'), 'reported');
    const r = await kfleet(['report', ...inv, '--state-dir', state, '--json']);
    const doc = JSON.parse(r.stdout) as { findings: Finding[] };
    const want = expected({ ...INJECT, 'lab-001': [], 'lab-006': ['invalid-free'] });
    assert.deepEqual(actual(doc.findings), want);
    // and a third read with nothing new changes nothing
    const again = JSON.parse((await kfleet(['report', ...inv, '--state-dir', state, '--json'])).stdout) as { findings: Finding[] };
    assert.deepEqual(actual(again.findings), want);
  });

  it('--html writes a self-contained page with every finding', async () => {
    const html = join(dir, 'report.html');
    const r = await kfleet(['report', ...inv, '--state-dir', state, '--html', html]);
    assert.equal(r.code, 0);
    const page = readFileSync(html, 'utf8');
    assert.match(page, /^<!doctype html>/i);
    assert.doesNotMatch(page, /<(script|img|iframe)[^>]+src=["']?(https?:)?\/\//i, 'no remote scripts or images');
    assert.doesNotMatch(page, /<link[^>]+href=["']?(https?:)?\/\//i, 'no remote stylesheets');
    assert.doesNotMatch(page, /@import\s+url\(["']?https?:/i);
    const doc = JSON.parse((await kfleet(['report', ...inv, '--state-dir', state, '--json'])).stdout) as { findings: Finding[] };
    for (const f of doc.findings) assert.ok(page.includes(f.signature), `signature ${f.signature} in the page`);
    for (const h of ['lab-002', 'lab-003', 'lab-004', 'lab-005', 'lab-006']) assert.ok(page.includes(h), h);
  });

  it('status --prometheus is node_exporter textfile format', async () => {
    const r = await kfleet(['status', ...inv, '--prometheus']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.equal(lines.at(-1), '', 'ends with a newline');
    const typed = new Map<string, string>();
    const samples: Array<{ name: string; labels: Record<string, string>; value: number }> = [];
    for (const l of lines.slice(0, -1)) {
      let m: RegExpExecArray | null;
      if ((m = /^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) \S.*$/.exec(l))) continue;
      if ((m = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter|untyped)$/.exec(l))) {
        assert.ok(!typed.has(m[1]!), `TYPE twice for ${m[1]}`);
        typed.set(m[1]!, m[2]!);
        continue;
      }
      m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/.exec(l);
      assert.ok(m, `not a sample line: ${JSON.stringify(l)}`);
      const labels: Record<string, string> = {};
      const body = m[3] ?? '';
      const re = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)/gy;
      let lm: RegExpExecArray | null;
      let end = 0;
      while ((lm = re.exec(body))) {
        labels[lm[1]!] = lm[2]!;
        end = re.lastIndex;
      }
      assert.equal(end, body.length, `labels parse: ${body}`);
      assert.ok(typed.has(m[1]!), `sample before its TYPE: ${m[1]}`);
      samples.push({ name: m[1]!, labels, value: Number(m[4]) });
    }
    const byName = (n: RegExp) => samples.filter((s) => n.test(s.name));
    const enabled = byName(/enabled/);
    assert.deepEqual(enabled.map((s) => s.labels.host).sort(), lab.hosts.map((h) => h.name));
    assert.ok(enabled.every((s) => s.value === 1));
    const bugs = byName(/bugs/);
    assert.equal(bugs.find((s) => s.labels.host === 'lab-004')?.value, 3);
    assert.equal(bugs.find((s) => s.labels.host === 'lab-006')?.value, 1);
    assert.ok(byName(/interval/).some((s) => s.value === 200), 'interval gauge');
    assert.ok(byName(/pending_reboot/).length === lab.hosts.length, 'pending reboot per host');
  });
});
