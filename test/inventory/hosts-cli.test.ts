import { strict as assert } from 'node:assert';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { capture } from '../support/capture.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/inventories');

describe('kfleet hosts', () => {
  it('prints one host per line for a pattern (default all)', async () => {
    const r = await capture(['hosts', '-i', path.join(FIX, 'children/hosts.ini'), 'prod:&alinux']);
    assert.equal(r.code, 0);
    assert.equal(r.out, 'web01\ndb01\ncanary01\n');
    const all = await capture(['hosts', '-i', path.join(FIX, 'children/hosts.ini')]);
    assert.equal(all.out.trim().split('\n').length, 8);
  });
  it('accepts -i several times and --limit', async () => {
    const r = await capture(['hosts', '-i', path.join(FIX, 'children/hosts.ini'), '-i', path.join(FIX, 'dir'), 'alinux', '--limit', 'host-*']);
    assert.equal(r.out, 'host-a1\nhost-a2\n');
  });
  it('--json prints the ansible-inventory --list structure', async () => {
    const r = await capture(['hosts', '-i', path.join(FIX, 'children/hosts.ini'), '--json']);
    const j = JSON.parse(r.out) as Record<string, { hosts?: string[]; children?: string[] }>;
    assert.deepEqual(j['web'], { hosts: ['web01', 'web02', 'web03'], children: ['canary'] });
    assert.ok('_meta' in j);
  });
  it('--json with a pattern shows only the selected hosts, their groups and their variables', async () => {
    const r = await capture(['hosts', 'canary', '-i', path.join(FIX, 'children/hosts.ini'), '--json']);
    assert.equal(r.code, 0, r.err);
    const j = JSON.parse(r.out) as Record<string, { hosts?: string[]; children?: string[]; hostvars?: Record<string, unknown> }>;
    const listed = new Set(Object.entries(j).flatMap(([k, g]) => (k === '_meta' ? [] : (g.hosts ?? []))));
    assert.deepEqual([...listed], ['canary01']);
    assert.deepEqual(j['web'], { children: ['canary'] });
    assert.equal(j['db'], undefined);
    assert.deepEqual(Object.keys(j['_meta']?.hostvars ?? {}).filter((h) => h !== 'canary01'), []);
  });
  it('a broken inventory exits 2 with file:line', async () => {
    const bad = path.join(FIX, '../bad/inventories/undefined-child.ini');
    const r = await capture(['hosts', '-i', bad]);
    assert.equal(r.code, 2);
    assert.match(r.err, /undefined-child\.ini:2 {2}Section \[prod:children\] includes undefined group: web/);
  });
});
