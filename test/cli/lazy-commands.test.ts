// The command table (src/cli/commands/index.ts) lets `kfleet --help` and `kfleet validate` start
// without importing every command: its summaries must say what the modules register, and a run
// must load only the module of its command (checked by recording every module a real process loads).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram, commandFor } from '../../src/cli/main.js';
import { commands } from '../../src/cli/commands/index.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function loadedBy(args: string[]): { urls: string[]; status: number | null; stdout: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'kfleet-loads-'));
  const rec = path.join(dir, 'loads');
  try {
    const r = spawnSync(process.execPath, ['--import', path.join(ROOT, 'test/support/record-loads.mjs'), path.join(ROOT, 'bin/kfleet.js'), ...args], {
      cwd: ROOT,
      env: { ...process.env, KFLEET_RECORD_LOADS: rec, KFLEET_USE_SOURCE: '1' },
      encoding: 'utf8',
    });
    return { urls: readFileSync(rec, 'utf8').trim().split('\n'), status: r.status, stdout: r.stdout };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const heavy = (urls: string[]) => urls.filter((u) => /node_modules\/(ssh2|just-bash|log-update|p-limit)\/|\/src\/(lab|transport|plan|rollout|converge|facts)\//.test(u));

describe('lazy command loading', () => {
  it('the table lists every registered command with the usage and summary commander shows', async () => {
    const program = await buildProgram();
    const help = program.createHelp();
    const registered = program.commands.map((c) => ({ name: c.name(), usage: help.subcommandTerm(c), summary: c.description() }));
    assert.deepEqual(
      commands.map(({ name, usage, summary }) => ({ name, usage, summary })),
      registered,
    );
  });

  it('finds the command in an argument list, `help X` included', () => {
    assert.equal(commandFor(['validate', 'x.yml'])?.name, 'validate');
    assert.equal(commandFor(['--json', 'hosts'])?.name, 'hosts');
    assert.equal(commandFor(['help', 'abort'])?.name, 'abort');
    assert.equal(commandFor(['--state', '/srv/kfleet', 'runs'])?.name, 'runs');
    assert.equal(commandFor(['--help']), undefined);
  });

  it('`kfleet --help` and `kfleet validate` load no transport, lab or planner; `kfleet plan --help` does', function () {
    this.timeout(60_000);
    const help = loadedBy(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /validate \[options\] <playbook>/);
    assert.deepEqual(heavy(help.urls), []);
    assert.ok(!help.urls.some((u) => /node_modules\/(yaml|zod)\//.test(u)), '--help loads no YAML parser or schema');
    // nor the ansible.cfg reader, the state location parser, the inventory or the error renderer:
    // they are imported when a command runs or fails
    assert.deepEqual(help.urls.filter((u) => /\/src\/(config|state|inventory)\/|\/src\/cli\/(report-error|options)\.ts$/.test(u)), []);
    const bad = loadedBy(['--state', 'etcd://', 'runs']);
    assert.equal(bad.status, 2, 'a malformed --state is still refused before the command runs');
    assert.ok(bad.urls.some((u) => u.endsWith('/src/state/location.ts')) && bad.urls.some((u) => u.endsWith('/src/cli/report-error.ts')));

    const validate = loadedBy(['validate', 'playbooks/demo.yml', '-i', 'test/fixtures/inventories/children/hosts.ini']);
    assert.ok(validate.urls.some((u) => u.endsWith('/src/cli/commands/validate.ts')));
    assert.deepEqual(heavy(validate.urls), []);

    // the witness can see heavy modules: plan's module pulls in ssh2
    const plan = loadedBy(['plan', '--help']);
    assert.equal(plan.status, 0);
    assert.ok(heavy(plan.urls).some((u) => u.includes('node_modules/ssh2/')));
  });
});
