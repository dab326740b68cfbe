// Dynamic inventories the way Ansible reads them, judged by Ansible itself: executable inventory
// scripts (with and without _meta), `ansible-inventory --list` JSON saved to a file, and inventory
// plugin configs resolved through ansible-inventory (ansible-core's own generator plugin).
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { toAnsibleList } from '../../src/inventory/json.js';
import { loadInventory } from '../../src/inventory/load.js';
import { isKfleetError } from '../../src/errors.js';
import { InputError } from '../../src/errors.js';

const run = promisify(execFile);
const DYN = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/inventories/dynamic');
const FIX = path.dirname(DYN);

function normalize(j: unknown): string {
  const sortKeys = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(sortKeys) : v && typeof v === 'object' ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])])) : v;
  return JSON.stringify(sortKeys(j), null, 1);
}

async function failure(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    if (e instanceof InputError) return e.problems.map((x) => `${x.message} | ${x.hint ?? ''}`).join('\n');
    if (isKfleetError(e)) return `${e.message} | ${e.hint ?? ''}`;
    throw e;
  }
  assert.fail('expected an input error');
}

describe('inventory: dynamic sources, compared with Ansible', function () {
  this.timeout(120_000);
  let tmp = '';
  const ansibleList = async (...sources: string[]) => {
    const { stdout } = await run('ansible-inventory', [...sources.flatMap((s) => ['-i', s]), '--list'], { env: { ...process.env, HOME: tmp, ANSIBLE_NOCOLOR: '1' }, maxBuffer: 1 << 24 });
    return JSON.parse(stdout) as unknown;
  };

  before(async () => {
    try {
      await run('ansible-inventory', ['--version']);
    } catch {
      assert.fail('ansible-core is not installed (ansible-inventory not on PATH): run `apt-get install ansible-core`');
    }
    tmp = mkdtempSync(path.join(tmpdir(), 'kfleet-dyn-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  for (const sources of [['meta.py'], ['nometa.sh'], ['meta.py', 'nometa.sh'], ['generator.yml'], ['nometa.sh', '../children/hosts.ini']]) {
    it(`ansible-inventory --list equals kfleet for ${sources.join(' + ')}`, async () => {
      const abs = sources.map((s) => path.join(DYN, s));
      const theirs = await ansibleList(...abs);
      const ours = toAnsibleList(await loadInventory(abs));
      assert.equal(normalize(JSON.parse(JSON.stringify(ours))), normalize(theirs));
    });
  }

  it('reads `ansible-inventory --list` output saved to a file as Ansible read the original', async () => {
    const theirs = await ansibleList(path.join(DYN, 'meta.py'), path.join(FIX, 'children/hosts.ini'));
    const saved = path.join(tmp, 'exported.json');
    writeFileSync(saved, JSON.stringify(theirs, null, 2));
    const inv = await loadInventory(saved);
    assert.equal(normalize(JSON.parse(JSON.stringify(toAnsibleList(inv)))), normalize(theirs));
    assert.deepEqual(inv.hosts.find((h) => h.name === 'web01')?.vars['kfence'], { interval: 100, on: true });
    // a saved list without an extension, in an inventory directory next to a static file
    const dir = mkdtempSync(path.join(tmp, 'dir-'));
    copyFileSync(saved, path.join(dir, 'cmdb'));
    writeFileSync(path.join(dir, 'extra.yml'), 'extra:\n  hosts:\n    x1:\n');
    const both = await loadInventory(dir);
    assert.ok(both.hosts.some((h) => h.name === 'x1') && both.hosts.some((h) => h.name === 'web03'));
  });

  it('an executable inventory in a directory is run; a script that fails says so with its stderr', async () => {
    const dir = mkdtempSync(path.join(tmp, 'scripts-'));
    copyFileSync(path.join(DYN, 'nometa.sh'), path.join(dir, 'cmdb.sh'));
    chmodSync(path.join(dir, 'cmdb.sh'), 0o755);
    writeFileSync(path.join(dir, 'notes.sh'), '#!/bin/sh\n# exit 1\n'); // not executable: not run, read as INI (comments only)
    const inv = await loadInventory(dir);
    assert.deepEqual(inv.hosts.map((h) => h.name).sort(), ['core-1', 'edge-a', 'edge-b']);
    const msg = await failure(loadInventory(path.join(DYN, 'failing.sh')));
    assert.match(msg, /inventory script .*failing\.sh --list failed: cannot reach the CMDB/);
  });

  it('a plugin Ansible does not know is named in the error, with what ansible-inventory said', async () => {
    const msg = await failure(loadInventory(path.join(DYN, 'missing.aws_ec2.yml')));
    assert.match(msg, /ansible-inventory could not resolve .*missing\.aws_ec2\.yml with the inventory plugin "kfleet_test\.nowhere\.aws_ec2": .*specifies unknown plugin 'kfleet_test\.nowhere\.aws_ec2'/);
    assert.match(msg, /ansible-doc -t inventory kfleet_test\.nowhere\.aws_ec2/);
  });

  it('without ansible-inventory on PATH, a plugin config is a clear error naming the plugin', async () => {
    const saved = process.env['PATH'];
    process.env['PATH'] = path.join(tmp, 'no-such-bin');
    try {
      const msg = await failure(loadInventory(path.join(DYN, 'generator.yml')));
      assert.match(msg, /config for the inventory plugin "ansible\.builtin\.generator", which kfleet runs through ansible-inventory, and ansible-inventory is not installed \| install ansible-core/);
    } finally {
      process.env['PATH'] = saved;
    }
  });
});
