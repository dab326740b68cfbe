import { strict as assert } from 'node:assert';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.js';

const FIX = path.join(path.dirname(fileURLToPath(import.meta.url)), '../fixtures/inventories');

async function capture(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const ow = process.stdout.write.bind(process.stdout);
  const ew = process.stderr.write.bind(process.stderr);
  process.stdout.write = ((s: string) => ((out += s), true)) as typeof process.stdout.write;
  process.stderr.write = ((s: string) => ((err += s), true)) as typeof process.stderr.write;
  try {
    const code = await main(argv);
    return { code, out, err };
  } finally {
    process.stdout.write = ow;
    process.stderr.write = ew;
  }
}

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
  it('a broken inventory exits 2 with file:line', async () => {
    const bad = path.join(FIX, '../bad/inventories/undefined-child.ini');
    const r = await capture(['hosts', '-i', bad]);
    assert.equal(r.code, 2);
    assert.match(r.err, /undefined-child\.ini:2 {2}Section \[prod:children\] includes undefined group: web/);
  });
});
