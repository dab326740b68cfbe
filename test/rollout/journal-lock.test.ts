import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { createJournal, journalPath, listRuns, readJournal, replay, type RunMeta } from '../../src/rollout/journal.js';
import { FleetLock, lockPath, readLock } from '../../src/rollout/lock.js';
import { KfleetError } from '../../src/errors.js';

const meta = (run: string): RunMeta => ({
  run, command: 'apply', playbook: { file: 'p.yml', sha256: 'x' }, inventory: ['inv.ini'], limit: null,
  play: 'p', hosts: ['a', 'b'], check: false, options: {},
});

describe('journal', () => {
  it('replays host state machines, reboots and the end', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-j-'));
    const j = createJournal(dir, meta('r1'));
    j.append({ t: 'phases', phases: [['a'], ['b']] });
    j.append({ t: 'host', host: 'a', state: 'planned', boot_id: 'b1' });
    j.append({ t: 'host', host: 'a', state: 'staged' });
    j.append({ t: 'reboot', host: 'a', stage: 'fire', boot_id_before: 'b1' });
    j.append({ t: 'host', host: 'a', state: 'rebooting' });
    j.append({ t: 'reboot', host: 'a', stage: 'up', boot_id_after: 'b2' });
    j.append({ t: 'host', host: 'a', state: 'verified', boot_id: 'b2' });
    j.append({ t: 'host', host: 'b', state: 'failed', error: { code: 'TIMEOUT', message: 'slow' } });
    j.append({ t: 'end', verdict: 'halted', exit_code: 1 });
    j.close();
    const st = replay(readJournal(journalPath(dir, 'r1')));
    assert.deepEqual(st.phases, [['a'], ['b']]);
    assert.equal(st.hosts.get('a')!.state, 'verified');
    assert.equal(st.hosts.get('a')!.rebooted, true);
    assert.equal(st.hosts.get('a')!.reboot_fired_boot_id, 'b1');
    assert.equal(st.hosts.get('b')!.error!.code, 'TIMEOUT');
    assert.equal(st.end!.verdict, 'halted');
    assert.deepEqual(listRuns(dir), ['r1']);
  });

  it('knows whether the phases were recorded (a controller killed before them must plan them on resume)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-j-'));
    const j = createJournal(dir, meta('r3'));
    assert.equal(replay(readJournal(journalPath(dir, 'r3'))).phasesKnown, false);
    j.append({ t: 'phases', phases: [] });
    j.append({ t: 'finding', host: 'a', phase: 1, summary: 'BUG: KFENCE: use-after-free read in x' });
    j.close();
    const st = replay(readJournal(journalPath(dir, 'r3')));
    assert.equal(st.phasesKnown, true);
    assert.deepEqual(st.phases, []);
  });

  it('tolerates a torn last line but not corruption in the middle', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-j-'));
    const j = createJournal(dir, meta('r2'));
    j.append({ t: 'host', host: 'a', state: 'planned' });
    j.close();
    const p = journalPath(dir, 'r2');
    appendFileSync(p, '{"t":"host","host":"a","sta');
    assert.equal(replay(readJournal(p)).hosts.get('a')!.state, 'planned');
    const lines = readFileSync(p, 'utf8').split('\n');
    writeFileSync(p, [lines[0], '{broken', lines[1], ''].join('\n'));
    assert.throws(() => readJournal(p), /corrupt/);
  });
});

describe('fleet lock', () => {
  it('refuses a second run with the owner details, and releases', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-l-'));
    const l = FleetLock.acquire(dir, 'run-1');
    assert.throws(() => FleetLock.acquire(dir, 'run-2'), (e: unknown) => e instanceof KfleetError && e.code === 'LOCKED' && /run-1/.test(e.message) && /pid \d+/.test(e.message));
    l.release();
    FleetLock.acquire(dir, 'run-2').release();
  });

  it('a stale lock (dead owner) is taken over only with takeOver', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-l-'));
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']).stdout.toString();
    writeFileSync(lockPath(dir), JSON.stringify({ run: 'old', pid: Number(dead), machine: hostname(), user: 'x', since: new Date().toISOString(), expires: new Date(Date.now() + 60_000).toISOString() }));
    assert.throws(() => FleetLock.acquire(dir, 'new'), (e: unknown) => e instanceof KfleetError && e.code === 'LOCK_STALE');
    const l2 = FleetLock.acquire(dir, 'new', { takeOver: true });
    assert.equal(readLock(dir)!.run, 'new');
    l2.release();
  });

  it('an expired TTL makes a lock stale even for a live process', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-l-'));
    writeFileSync(lockPath(dir), JSON.stringify({ run: 'old', pid: process.pid, machine: 'elsewhere', user: 'x', since: '2020-01-01T00:00:00Z', expires: '2020-01-01T00:02:00Z' }));
    assert.throws(() => FleetLock.acquire(dir, 'new'), /stale/);
    FleetLock.acquire(dir, 'new', { takeOver: true }).release();
  });
});

describe('quarantine', () => {
  it('a quarantined host is listed and can be released once', async () => {
    const { quarantineHost, readQuarantine, releaseHost } = await import('../../src/rollout/quarantine.js');
    const dir = mkdtempSync(join(tmpdir(), 'kfleet-q-'));
    quarantineHost(dir, 'web-01', { run: 'r1', since: '2026-11-25T00:00:00Z', reason: 'boot loop' });
    quarantineHost(dir, 'web-02', { run: 'r1', since: '2026-11-25T00:00:00Z', reason: 'boot loop' });
    assert.deepEqual(Object.keys(readQuarantine(dir)).sort(), ['web-01', 'web-02']);
    assert.equal(releaseHost(dir, 'web-01'), true);
    assert.equal(releaseHost(dir, 'web-01'), false);
    assert.deepEqual(Object.keys(readQuarantine(dir)), ['web-02']);
  });
});
