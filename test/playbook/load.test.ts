// The loader on the example playbooks, defaults and normalization, hints, and file-level limits.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { loadPlaybook, parsePlaybook } from '../../src/playbook/load.js';
import { MAX_PLAYBOOK_BYTES } from '../../src/playbook/source.js';

const PLAYBOOKS = join(import.meta.dirname, '..', '..', 'playbooks');

function problemsOf(text: string): InputError['problems'] {
  try {
    parsePlaybook(text, 'p.yml');
  } catch (e) {
    assert.ok(e instanceof InputError, String(e));
    return e.problems;
  }
  assert.fail('expected an InputError');
}

const base = (extra: string) => `hosts: web\nkfence:\n  mode: sampling\n${extra}`;

describe('loadPlaybook: example playbooks', () => {
  const files = readdirSync(PLAYBOOKS).filter((f) => f.endsWith('.yml'));
  it('has one example per Alinux scenario, plus the DESIGN.md one and the demo', () => {
    for (const f of ['online-sampling.yml', 'slab-full-mode.yml', 'offline-debug.yml', 'disable.yml', 'canary-sampling.yml', 'demo.yml']) {
      assert.ok(files.includes(f), f);
    }
  });
  for (const f of files) {
    it(`${f} loads`, async () => {
      const pb = await loadPlaybook(join(PLAYBOOKS, f));
      assert.ok(pb.plays.length >= 1);
    });
  }

  it('canary-sampling.yml normalizes to the model DESIGN.md describes', async () => {
    const [p] = (await loadPlaybook(join(PLAYBOOKS, 'canary-sampling.yml'))).plays;
    assert.ok(p);
    assert.equal(p.hosts, 'web:&prod');
    assert.deepEqual(p.kfence, {
      mode: 'sampling', sample_interval: 100, num_objects: 255, pool_mode: 'global', order0_page: false, fault: 'report',
      slabs: { kind: 'only', names: ['kmalloc-64'] }, booting_max: '0-2G:0,2G-32G:2M,32G-:32M', apply: 'both',
      memory_budget: { percent: 10 }, acknowledge_panic: false,
    });
    assert.deepEqual(p.rollout, {
      phases: [{ kind: 'count', count: 1 }, { kind: 'percent', percent: 10 }, { kind: 'percent', percent: 50 }, { kind: 'percent', percent: 100 }],
      forks: 50, max_fail_percentage: 0, max_failed_hosts: 2, soak_ms: 600_000, promote: 'auto',
      health: { unexpected_reboot: 'fail', kfence_bugs: 'report', command: 'systemctl is-system-running' },
    });
    assert.deepEqual(p.reboot, { allowed: true, max_parallel: 1, timeout_ms: 600_000, stable_for_ms: 30_000 });
    assert.equal(p.has_rollout, true);
    assert.deepEqual(p.hosts_source, { file: join(PLAYBOOKS, 'canary-sampling.yml'), line: 4, col: 8 });
  });

  it('offline-debug.yml: full mode is -1, panic acknowledged, boot only, 12G budget', async () => {
    const [p] = (await loadPlaybook(join(PLAYBOOKS, 'offline-debug.yml'))).plays;
    assert.ok(p);
    assert.equal(p.kfence.sample_interval, -1);
    assert.equal(p.kfence.num_objects, 1_000_000);
    assert.equal(p.kfence.fault, 'panic');
    assert.equal(p.kfence.acknowledge_panic, true);
    assert.equal(p.kfence.apply, 'boot');
    assert.deepEqual(p.kfence.memory_budget, { bytes: 12 * 2 ** 30 });
  });

  it('disable.yml: off is interval 0 and leaves booting_max alone', async () => {
    const [p] = (await loadPlaybook(join(PLAYBOOKS, 'disable.yml'))).plays;
    assert.ok(p);
    assert.equal(p.kfence.mode, 'off');
    assert.equal(p.kfence.sample_interval, 0);
    assert.equal('booting_max' in p.kfence, false);
    assert.equal(p.kfence.apply, 'both');
  });
});

describe('parsePlaybook: defaults and normalization', () => {
  it('fills every default for a minimal play', () => {
    const pb = parsePlaybook('hosts: web\nkfence: {mode: sampling}\n', 'm.yml');
    assert.deepEqual(pb.plays, [{
      name: 'web',
      hosts: 'web',
      hosts_source: { file: 'm.yml', line: 1, col: 8 },
      kfence: { mode: 'sampling', sample_interval: 100, slabs: { kind: 'all', names: [] }, apply: 'both', acknowledge_panic: false },
      has_rollout: false,
      rollout: {
        phases: [{ kind: 'percent', percent: 100 }], forks: 50, max_fail_percentage: 0, soak_ms: 0, promote: 'auto',
        health: { unexpected_reboot: 'fail', kfence_bugs: 'report' },
      },
      reboot: { allowed: false, max_parallel: 1, timeout_ms: 600_000, stable_for_ms: 30_000 },
      source: { file: 'm.yml', line: 1, col: 1 },
    }]);
  });

  it('reads a list of plays, each with its own source position', () => {
    const pb = parsePlaybook('- hosts: a\n  kfence: {mode: off}\n- name: second\n  hosts: b\n  kfence: {mode: full}\n', 'l.yml');
    assert.deepEqual(pb.plays.map((p) => [p.name, p.kfence.sample_interval, p.source.line, p.source.col]), [['a', 0, 1, 3], ['second', -1, 3, 3]]);
  });

  it('converts durations to ms: 90s, 1h30m, 500ms, a bare number of seconds', () => {
    const p = parsePlaybook(base('rollout: {soak: 1h30m}\nreboot: {timeout: 90s, stable_for: 45}\n'), 'd.yml').plays[0];
    assert.ok(p);
    assert.equal(p.rollout.soak_ms, 5_400_000);
    assert.equal(p.reboot.timeout_ms, 90_000);
    assert.equal(p.reboot.stable_for_ms, 45_000);
    const q = parsePlaybook(base('rollout: {soak: 500ms}\n'), 'd.yml').plays[0];
    assert.equal(q?.rollout.soak_ms, 500);
  });

  it('reboot.trial: required, preferred (default) or off; anything else is refused', () => {
    assert.equal(parsePlaybook(base('reboot: {trial: required}\n'), 'd.yml').plays[0]?.reboot.trial, 'required');
    assert.equal(parsePlaybook(base('reboot: {trial: off}\n'), 'd.yml').plays[0]?.reboot.trial, 'off');
    assert.throws(() => parsePlaybook(base('reboot: {trial: maybe}\n'), 'd.yml'), /trial/);
  });

  it('folds a top-level health into rollout.health', () => {
    const p = parsePlaybook(base('health: {kfence_bugs: fail, command: "true"}\n'), 'h.yml').plays[0];
    assert.deepEqual(p?.rollout.health, { unexpected_reboot: 'fail', kfence_bugs: 'fail', command: 'true' });
    assert.equal(p?.has_rollout, false);
  });

  it('keeps booting_max: null (remove from the command line) apart from unset', () => {
    const p = parsePlaybook('hosts: w\nkfence: {mode: off, booting_max: null}\n', 'b.yml').plays[0];
    assert.equal(p?.kfence.booting_max, null);
  });

  it('phases: counts, shares with decimals, and host patterns', () => {
    const p = parsePlaybook(base('rollout: {phases: [{pattern: "web-0*"}, 2, "12.5%", "100%"]}\n'), 'r.yml').plays[0];
    assert.deepEqual(p?.rollout.phases, [
      { kind: 'pattern', pattern: 'web-0*' }, { kind: 'count', count: 2 }, { kind: 'percent', percent: 12.5 }, { kind: 'percent', percent: 100 },
    ]);
  });

  it('memory_budget as a memparse size', () => {
    const p = parsePlaybook(base('  memory_budget: 512M\n'), 'm.yml').plays[0];
    assert.deepEqual(p?.kfence.memory_budget, { bytes: 512 * 2 ** 20 });
  });

  it('accepts fault: panic with acknowledge_panic: true', () => {
    const p = parsePlaybook('hosts: d\nkfence: {mode: full, fault: panic, acknowledge_panic: true}\n', 'f.yml').plays[0];
    assert.equal(p?.kfence.fault, 'panic');
  });
});

describe('parsePlaybook: hints for habits', () => {
  const cases: [string, string, string][] = [
    ['YAML 1.1 boolean', base('  order0_page: off\n'), 'use true or false'],
    ['misplaced key', base('soak: 10m\n'), 'soak belongs under rollout'],
    ['misplaced deeper', base('rollout: {command: "true"}\n'), 'command belongs under rollout.health'],
    ['typo at its level', base('  sampel_interval: 100\n'), 'did you mean sample_interval?'],
    ['typo of a key elsewhere', base('max_fail_percentag: 5\n'), 'did you mean rollout.max_fail_percentage?'],
    ['enum typo (transposition)', base('rollout: {promote: mnaual}\n'), 'did you mean manual?'],
    ['spaced duration', base('rollout: {soak: 10 m}\n'), 'write 10m without spaces'],
    ['duration in words', base('rollout: {soak: 10 minutes}\n'), 'write 500ms, 90s, 10m, 1h, 1h30m, or a bare number of seconds'],
    ['spaced share', base('rollout: {phases: ["10 %"]}\n'), 'write "10%" without a space'],
    ['fraction for a share', base('rollout: {phases: [0.25]}\n'), 'write the share as a percentage: "25%"'],
    ['number as a string', base('rollout: {forks: "20"}\n'), 'write 20 without quotes'],
    ['bare host name as a phase', base('rollout: {phases: [web-01]}\n'), 'write {pattern: "web-01"}'],
    ['size with MB', base('  memory_budget: 512MB\n'), 'write 512M'],
    ['panic without ack', 'hosts: w\nkfence: {mode: full, fault: panic}\n', 'add acknowledge_panic: true under kfence'],
    ['Ansible serial', base('serial: [1, "10%"]\n'), 'use rollout.phases'],
    ['slabs as a list', 'hosts: w\nkfence: {mode: full, slabs: [kmalloc-64]}\n', 'slabs: {only: [kmalloc-64]}'],
    ['octal in booting_max', base('  booting_max: "0-:010M"\n'), 'the kernel reads it as octal'],
    ['hosts empty', 'hosts:\nkfence: {mode: full}\n', 'hosts: web:&prod'],
    ['hosts as a list', 'hosts: [web, db]\nkfence: {mode: full}\n', 'hosts: "web:db"'],
  ];
  for (const [what, text, hint] of cases) {
    it(what, () => {
      const ps = problemsOf(text);
      assert.equal(ps.length, 1, ps.map((p) => p.message).join('\n'));
      assert.ok(ps[0]?.hint?.includes(hint), `hint ${JSON.stringify(ps[0]?.hint)} lacks ${JSON.stringify(hint)}`);
    });
  }

  it('calls a number beyond 2^53 too large rather than out of range', () => {
    assert.deepEqual(problemsOf('hosts: w\nkfence: {mode: full, num_objects: 1e30}\n').map((p) => p.message), ['kfence.num_objects: 1e+30 is too large']);
  });

  it('reports a typo once, not also as the missing key it was meant to be', () => {
    const ps = problemsOf('hosts: w\nkfence: {mdoe: sampling}\n');
    assert.deepEqual(ps.map((p) => p.message), ['unknown key "mdoe" in kfence']);
  });

  it('collects every problem of every play, sorted by position', () => {
    const ps = problemsOf('- hosts: a\n  kfence: {mode: x}\n- hosts: 1\n  kfence: {mode: off, fault: panic}\n  bogus: 1\n');
    assert.deepEqual(ps.map((p) => `${p.location.line}:${p.location.col}`), ['2:18', '3:10', '4:23', '5:3']);
  });
});

describe('loadPlaybook: files', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'kfleet-spec-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses a file over 1 MiB without parsing it', async () => {
    const f = join(dir, 'huge.yml');
    writeFileSync(f, `hosts: web\nkfence: {mode: sampling}\n# ${'x'.repeat(MAX_PLAYBOOK_BYTES)}\n`);
    await assert.rejects(loadPlaybook(f), (e: unknown) => {
      assert.ok(e instanceof InputError);
      assert.equal(e.problems.length, 1);
      assert.deepEqual(e.problems[0]?.location, { file: f, line: 1, col: 1 });
      assert.match(e.problems[0]?.message ?? '', /1\.0 MiB; kfleet reads playbooks up to 1 MiB/);
      return true;
    });
  });

  it('says so for a missing file and a directory', async () => {
    await assert.rejects(loadPlaybook(join(dir, 'nope.yml')), /cannot read the playbook: no such file/);
    await assert.rejects(loadPlaybook(dir), /cannot read the playbook: it is a directory/);
  });
});
