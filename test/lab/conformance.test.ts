// Every conformance table, per profile, through the real OpenSSH client against a lab host.

import assert from 'node:assert/strict';
import { startLab, type Lab } from '../../src/lab/index.js';
import { bootWith, ssh } from './support.js';
import type { Table } from './conformance/table.js';
import { upstream612Tables } from './conformance/upstream-6.12.js';
import { ALINUX_VARIANTS, alinuxBigPool, alinuxBootedOff, alinuxBootedOn, alinuxBootingMax } from './conformance/alinux.js';
import { noKfence, upstream515 } from './conformance/others.js';

const tables: Table[] = [
  ...upstream612Tables,
  ...upstream515,
  ...noKfence,
  ...ALINUX_VARIANTS.flatMap((v) => [alinuxBootedOff(v), alinuxBootedOn(v), ...alinuxBootingMax(v), ...alinuxBigPool(v)]),
];

function match(actual: string, expected: string | RegExp | undefined, what: string, ref: string): void {
  if (expected === undefined) return;
  if (typeof expected === 'string') assert.equal(actual, expected, `${what} (${ref})`);
  else assert.match(actual, expected, `${what} (${ref})`);
}

for (const table of tables) {
  describe(`conformance: ${table.title}`, function () {
    this.timeout(30000);
    let lab: Lab;
    before(async () => {
      lab = await startLab({ hosts: 1, profile: table.profile, downtimeMs: 30, ...(table.memory ? { memory: table.memory } : {}) });
      if (table.bootArgs) await bootWith(lab, lab.hosts[0]!, table.bootArgs);
    });
    after(async () => {
      await lab?.stop();
    });
    for (const row of table.rows) {
      it(row.name, async () => {
        const r = await ssh(lab, lab.hosts[0]!, row.run);
        assert.equal(r.status, row.status, `exit status of ${JSON.stringify(row.run)} (${row.ref}); stderr: ${r.stderr}`);
        match(r.stdout, row.stdout, 'stdout', row.ref);
        match(r.stderr, row.stderr, 'stderr', row.ref);
      });
    }
  });
}
