// bin/kfleet.js runs dist/ when it is built and fresh (the esbuild bundle when there is one), the TypeScript (via tsx) when there is no
// build or a source file is newer than it, and dist/ when tsx is missing (a production install).
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('bin/kfleet.js launcher', () => {
  let dir: string;
  const run = (env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [path.join(dir, 'bin/kfleet.js')], { encoding: 'utf8', env: { ...process.env, KFLEET_USE_DIST: '', KFLEET_USE_SOURCE: '', ...env } });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  const at = (file: string, seconds: number) => utimesSync(path.join(dir, file), seconds, seconds);

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kfleet-launcher-'));
    mkdirSync(path.join(dir, 'bin'));
    mkdirSync(path.join(dir, 'src/cli/commands'), { recursive: true });
    mkdirSync(path.join(dir, 'dist/cli'), { recursive: true });
    copyFileSync(path.join(ROOT, 'bin/kfleet.js'), path.join(dir, 'bin/kfleet.js'));
    writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}');
    writeFileSync(path.join(dir, 'src/cli/main.ts'), "const from: string = 'source';\nconsole.log(from);\n");
    writeFileSync(path.join(dir, 'src/cli/commands/x.ts'), 'export {};\n');
    writeFileSync(path.join(dir, 'dist/cli/main.js'), "console.log('dist');\n");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('runs a fresh build, and the sources once one of them is newer than the build', () => {
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    at('src/cli/main.ts', 1000);
    at('src/cli/commands/x.ts', 1000);
    at('dist/cli/main.js', 2000);
    assert.equal(run(), 'dist');
    at('src/cli/commands/x.ts', 3000);
    assert.equal(run(), 'source');
    assert.equal(run({ KFLEET_USE_DIST: '1' }), 'dist');
    // a source saved while the build ran: older than the output, newer than the build's start
    at('src/cli/commands/x.ts', 1500);
    writeFileSync(path.join(dir, 'dist/.build-started'), '');
    at('dist/.build-started', 1000);
    at('dist/cli/main.js', 2000);
    assert.equal(run(), 'source');
    at('dist/.build-started', 1800);
    assert.equal(run(), 'dist');
    rmSync(path.join(dir, 'dist'), { recursive: true });
    assert.equal(run(), 'source');
  });

  it('runs the bundle (dist/bundle/main.js) when the build made one, by the same freshness rule', () => {
    symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
    mkdirSync(path.join(dir, 'dist/bundle'));
    writeFileSync(path.join(dir, 'dist/bundle/main.js'), "console.log('bundle');\n");
    at('src/cli/main.ts', 1000);
    at('src/cli/commands/x.ts', 1000);
    at('dist/bundle/main.js', 2000);
    assert.equal(run(), 'bundle');
    at('src/cli/commands/x.ts', 3000);
    assert.equal(run(), 'source');
    assert.equal(run({ KFLEET_USE_DIST: '1' }), 'bundle');
  });

  it('runs dist/ when tsx is not installed, and when there is no src/ (the package)', () => {
    at('dist/cli/main.js', 1000);
    assert.equal(run(), 'dist'); // stale, but no tsx to run the sources with
    rmSync(path.join(dir, 'src'), { recursive: true });
    assert.equal(run({ KFLEET_USE_SOURCE: '1' }), 'dist');
  });
});
