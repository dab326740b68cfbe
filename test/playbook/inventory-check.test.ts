// `validate -i`: plays whose host pattern selects nothing are errors at their `hosts:` value.
import assert from 'node:assert/strict';
import type { Inventory } from '../../src/inventory/types.js';
import { checkPlayHosts } from '../../src/playbook/inventory-check.js';
import { parsePlaybook } from '../../src/playbook/load.js';

function inventory(groups: Record<string, string[]>): Inventory {
  const names = [...new Set(Object.values(groups).flat())];
  return {
    sources: ['inv.ini'],
    hosts: names.map((name) => ({
      name,
      vars: {},
      groups: ['all', ...Object.keys(groups).filter((g) => groups[g]?.includes(name))],
    })),
    groups: {
      all: { name: 'all', hosts: [], children: Object.keys(groups), vars: {} },
      ...Object.fromEntries(Object.entries(groups).map(([g, hs]) => [g, { name: g, hosts: hs, children: [], vars: {} }])),
    },
  };
}

describe('checkPlayHosts', () => {
  const inv = inventory({ web: ['web-01', 'web-02'], prod: ['web-01', 'db-01'], db: ['db-01'] });
  const pb = parsePlaybook('- hosts: web:&prod\n  kfence: {mode: off}\n- name: cache\n  hosts: cache\n  kfence: {mode: off}\n', 'pb.yml');

  it('counts the hosts each play selects and flags the empty ones at hosts:', () => {
    const r = checkPlayHosts(pb, inv);
    assert.deepEqual(r.matched, [
      { play: 'web:&prod', hosts: 'web:&prod', count: 1 },
      { play: 'cache', hosts: 'cache', count: 0 },
    ]);
    assert.equal(r.problems.length, 1);
    assert.deepEqual(r.problems[0]?.location, { file: 'pb.yml', line: 4, col: 10 });
    assert.match(r.problems[0]?.message ?? '', /"cache" matches no host in inv\.ini/);
  });

  it('has nothing to say when every play selects a host', () => {
    const ok = parsePlaybook('hosts: all\nkfence: {mode: off}\n', 'a.yml');
    assert.deepEqual(checkPlayHosts(ok, inv), { matched: [{ play: 'all', hosts: 'all', count: 3 }], problems: [] });
  });
});
