// The installable package, checked from the tarball and not from the checkout: `npm pack` (which
// builds dist/), install it into an empty prefix with production dependencies only, and run the
// installed `kfleet`. Named *.pack.ts so `npm test` leaves it out; .ci/run runs it as its own tier
// (`npx mocha test/pack/install.pack.ts`), and it counts into CI's "N passed" line like the others.
import { strict as assert } from 'node:assert';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string>; devDependencies: Record<string, string> };

function sh(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20, cwd: opts.cwd ?? ROOT, env: opts.env ?? process.env });
}
function ok(r: SpawnSyncReturns<string>, what: string): string {
  assert.equal(r.status, 0, `${what} exited ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('the npm package, installed from its tarball', function () {
  this.timeout(1_200_000); // npm pack (a tsc build) + install took ~7 min at load ~20 on 2 CPUs
  let work: string;
  let prefix: string;
  let installed: string; // the package's directory inside the prefix
  let env: NodeJS.ProcessEnv;
  const kfleet = (...args: string[]) => sh(path.join(prefix, 'bin', 'kfleet'), args, { cwd: work, env });

  before(() => {
    work = mkdtempSync(path.join(tmpdir(), 'kfleet-pack-'));
    prefix = path.join(work, 'prefix');
    const packed = JSON.parse(ok(sh('npm', ['pack', '--json', '--pack-destination', work]), 'npm pack')) as { filename: string; files: { path: string }[] }[];
    const tarball = path.join(work, packed[0]!.filename);
    const files = packed[0]!.files.map((f) => f.path);
    assert.ok(files.includes('dist/cli/main.js') && files.includes('bin/kfleet.js'), `the tarball lacks the build: ${files.slice(0, 20).join(' ')}`);
    assert.ok(files.includes('dist/bundle/main.js') && files.includes('dist/bundle/etcd-worker.js'), 'the tarball lacks the bundle the launcher runs');
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/')), 'the tarball ships no sources or tests');
    ok(sh('npm', ['install', '--global', '--prefix', prefix, '--omit=dev', '--no-audit', '--no-fund', tarball], { cwd: work }), 'npm install');
    installed = path.join(prefix, 'lib', 'node_modules', 'kfleet');
    // a PATH without the checkout's node_modules/.bin, and no NODE_PATH: only the prefix is used
    env = { PATH: `${path.join(prefix, 'bin')}:${path.dirname(process.execPath)}:/usr/bin:/bin`, HOME: work, TMPDIR: tmpdir() };
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('holds production dependencies only', () => {
    const deps = readdirSync(path.join(installed, 'node_modules'));
    for (const d of Object.keys(pkg.dependencies)) assert.ok(existsSync(path.join(installed, 'node_modules', d)), `${d} missing`);
    // A dev dependency may also be a production dependency of a dependency (@types/node comes with
    // protobufjs, under etcd3): the lock file marks what only development needs (`dev: true`).
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = (d: string): boolean => lock.packages[`node_modules/${d}`]?.dev === true;
    for (const d of Object.keys(pkg.devDependencies).filter(devOnly)) assert.ok(!deps.includes(d) && !existsSync(path.join(installed, 'node_modules', d)), `dev dependency ${d} was installed`);
    assert.ok(Object.keys(pkg.devDependencies).filter(devOnly).length >= 5, 'the lock file marks the dev-only packages');
    assert.ok(!existsSync(path.join(installed, 'src')));
  });

  it('kfleet --version prints the package version', () => {
    assert.equal(ok(kfleet('--version'), 'kfleet --version').trim(), pkg.version);
  });

  it('kfleet validate checks a shipped playbook and rejects a broken one', () => {
    assert.match(ok(kfleet('validate', path.join(installed, 'playbooks', 'demo.yml')), 'kfleet validate'), /demo\.yml: 1 play OK/);
    const bad = kfleet('validate', path.join(installed, 'package.json'));
    assert.equal(bad.status, 2, bad.stderr);
  });

  it('the etcd state store starts its worker thread from the installed bundle', () => {
    // Nothing listens on port 1: the worker must load (etcd3 from the prefix), try, and fail closed.
    const r = sh(path.join(prefix, 'bin', 'kfleet'), ['runs', '--state', 'etcd://127.0.0.1:1/kfleet'], { cwd: work, env: { ...env, KFLEET_STATE_TIMEOUT: '5' } });
    assert.equal(r.status, 5, `${r.stdout}${r.stderr}`);
    // etcd3's own words (a refused connection, or its circuit breaker opened by the refusals, as the
    // worker waits out an unavailable etcd up to KFLEET_STATE_TIMEOUT): the worker ran etcd3.
    assert.match(r.stderr, /STATE_UNAVAILABLE: etcd: .*(ECONNREFUSED 127\.0\.0\.1:1|circuit breaker is open)/);
    assert.doesNotMatch(r.stderr, /Cannot find|worker failed|ERR_MODULE_NOT_FOUND/);
  });

  it('kfleet demo rolls KFENCE out across a simulated fleet', () => {
    const r = kfleet('demo');
    ok(r, 'kfleet demo');
    assert.match(r.stdout, /lab witness: \d+ hosts rebooted exactly once, \d+ not at all, 0 more than once/);
  });
});
