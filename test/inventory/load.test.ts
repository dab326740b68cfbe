import { strict as assert } from 'node:assert';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InputError } from '../../src/errors.js';
import { toAnsibleList } from '../../src/inventory/json.js';
import { loadInventory } from '../../src/inventory/load.js';
import type { Inventory } from '../../src/inventory/types.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/inventories');
const host = (inv: Inventory, name: string) => {
  const h = inv.hosts.find((x) => x.name === name);
  assert.ok(h, `no host ${name}`);
  return h;
};

describe('inventory: loading INI', () => {
  it('expands ranges, ports and puts sectionless hosts in ungrouped', async () => {
    const inv = await loadInventory(path.join(FIX, 'ranges/hosts.ini'));
    assert.deepEqual(inv.groups['ungrouped']?.hosts.slice(0, 5), ['web01.example.com', 'web02.example.com', 'web03.example.com', 'web04.example.com', 'db-a']);
    assert.deepEqual(host(inv, 'node4').vars, { ansible_port: 2222 });
    assert.deepEqual(host(inv, 'odd08').groups, ['all', 'ungrouped']);
    assert.ok(inv.groups['edge']?.hosts.includes('edge-z-2'));
    assert.deepEqual(host(inv, '2001:db8::1').vars, { ansible_port: 2200 });
  });

  it('resolves children declared before the child group, and membership through them', async () => {
    const inv = await loadInventory(path.join(FIX, 'children/hosts.ini'));
    assert.deepEqual(inv.groups['prod']?.children, ['web', 'db']);
    assert.deepEqual(inv.groups['web']?.children, ['canary']);
    assert.deepEqual(host(inv, 'canary01').groups, ['all', 'prod', 'web', 'canary', 'alinux']);
    assert.equal(inv.groups['canary']?.depth, 3);
    assert.deepEqual(inv.groups['all']?.children, ['ungrouped', 'prod', 'alinux', 'upstream', 'staging']);
    // Ansible's `all` order: all's children in turn (alinux before upstream), then deeper levels
    assert.deepEqual(inv.hosts.slice(0, 4).map((h) => h.name), ['web01', 'db01', 'canary01', 'web02']);
    assert.deepEqual(inv.hostOrder?.slice(0, 4), ['web01', 'web02', 'web03', 'canary01']);
  });

  it('types inline and [g:vars] values as Python literals (ansible-core 2.14 does both)', async () => {
    const inv = await loadInventory(path.join(FIX, 'typing/hosts.ini'));
    const v = host(inv, 'h1').vars;
    assert.deepEqual(
      [v['int'], v['neg'], v['hex'], v['oct'], v['lead'], v['flt'], v['t'], v['n'], v['yes'], v['lst'], v['dct'], v['sp'], v['cmt']],
      [42, -7, 31, 15, '010', 2.5, true, null, 'yes', [1, 'a', 2.5], { k: [1] }, 'two words', 'a'],
    );
    const g = host(inv, 'h3').vars;
    assert.deepEqual(g, { vint: 7, vbool: true, vstr: 'hello', vlist: [1, 2], vraw: 'plain text', vcomment: 5, vexpr: '1+1' });
  });
});

describe('inventory: variable precedence', () => {
  let inv: Inventory;
  before(async () => {
    inv = await loadInventory(path.join(FIX, 'precedence/hosts.ini'));
  });
  it('host vars file > host inline > child group > parent group > all', () => {
    assert.equal(host(inv, 'web01').vars['level'], 'host_vars_file');
    assert.equal(host(inv, 'web02').vars['level'], 'web_inv');
    assert.equal(host(inv, 'web02').vars['deep'], 'web');
    assert.equal(host(inv, 'web02').vars['from_all'], 1);
  });
  it('same depth: by name, unless ansible_group_priority says otherwise (and it is not a variable)', () => {
    assert.equal(host(inv, 'web01').vars['tie'], 'aa'); // aa has priority 10 > zz's default 1
    assert.equal(host(inv, 'web01').vars['ansible_group_priority'], undefined);
    assert.equal(host(inv, 'web02').vars['tie'], 'from_host_file'); // host_vars/web02 without extension
  });
  it('any group_vars file beats every inventory-file group var; directories merge sorted', () => {
    assert.equal(host(inv, 'web02').vars['shadow'], 'gv_all');
    const v = host(inv, 'web02').vars;
    assert.deepEqual([v['gv_web'], v['gv_web_json'], v['mode'], v['flag'], v['ignored']], ['second_wins', true, 420, true, undefined]);
  });
});

describe('inventory: loading YAML, directories, several sources', () => {
  it('reads all/hosts/children/vars with YAML 1.1 typing like PyYAML', async () => {
    const inv = await loadInventory(path.join(FIX, 'yaml/inventory.yml'));
    const db = host(inv, 'db01').vars;
    assert.equal(db['yes_bool'], true);
    assert.equal(db['octal'], 0o755);
    assert.equal(db['y_str'], 'y');
    assert.deepEqual(db['nested'], { x: 1, y: [true, null] });
    assert.equal(db['env'], 'from_group_vars');
    assert.equal(db['db_file'], true);
    assert.deepEqual(host(inv, 'web-special').vars['ansible_port'], 2222);
    assert.deepEqual(host(inv, 'bastion.example.com').groups, ['all', 'ungrouped']);
    assert.ok(inv.groups['empty']);
    assert.equal(toAnsibleList(inv)['empty'], undefined);
  });
  it('a directory merges its files in name order and skips what Ansible skips (.ini, .md, hidden)', async () => {
    const inv = await loadInventory(path.join(FIX, 'dir'));
    assert.deepEqual(inv.hosts.map((h) => h.name).sort(), ['host-a1', 'host-a2', 'host-u1', 'nested1']);
    assert.deepEqual(host(inv, 'host-a1').groups, ['all', 'alinux', 'upstream']);
    assert.equal(host(inv, 'nested1').vars['dir_gv'], 1);
  });
  it('several sources merge like repeated -i, and a comma list is a host list', async () => {
    const inv = await loadInventory([path.join(FIX, 'children/hosts.ini'), 'extra1,extra2:2200,']);
    assert.ok(inv.hosts.some((h) => h.name === 'web01'));
    assert.deepEqual(host(inv, 'extra2').vars, { ansible_port: 2200 });
  });
  it('tries YAML first for a file without extension, then INI', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'kfleet-inv-'));
    try {
      writeFileSync(path.join(dir, 'a'), 'all:\n  hosts:\n    y1:\n');
      mkdirSync(path.join(dir, 'b'));
      writeFileSync(path.join(dir, 'b', 'hosts'), 'i1\n[g]\ni2\n');
      assert.deepEqual((await loadInventory(path.join(dir, 'a'))).hosts.map((h) => h.name), ['y1']);
      assert.deepEqual((await loadInventory(path.join(dir, 'b'))).hosts.map((h) => h.name), ['i1', 'i2']);
      await assert.rejects(loadInventory(path.join(dir, 'missing.ini')), InputError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
