// The lab's upstream-6.12 conformance tables (test/lab/conformance/upstream-6.12.ts), row by row,
// against the real kernel with the same expectations the lab is held to. A row that passes in
// the lab but fails here means the lab (and the reference it was written from) misread the kernel.
import assert from 'node:assert/strict';
import type { Table } from '../lab/conformance/table.js';
import { upstream612Tables } from '../lab/conformance/upstream-6.12.js';
import type { FleetVm, VmFleet } from './fleet.js';
import { bootWithArgs } from './boot.js';
import { sh, sharedFleet } from './shared.js';

function match(actual: string, expected: string | RegExp | undefined, what: string, ref: string): void {
  if (expected === undefined) return;
  if (typeof expected === 'string') assert.equal(actual, expected, `${what} (${ref})`);
  else assert.match(actual, expected, `${what} (${ref})`);
}

for (const table of upstream612Tables as Table[]) {
  describe(`real kernel, lab conformance: ${table.title}`, function () {
    let fleet: VmFleet;
    let vm: FleetVm;

    before(async function () {
      fleet = await sharedFleet();
      const first = fleet.vms[0];
      assert.ok(first);
      vm = first;
      // A fresh boot with exactly the table's kfence.* args, as the lab test boots its host.
      await bootWithArgs(fleet, vm, table.bootArgs);
    });

    for (const row of table.rows) {
      it(row.name, async function () {
        const r = await sh(fleet, vm, row.run);
        assert.equal(r.code, row.status, `exit status of ${JSON.stringify(row.run)} (${row.ref}); stderr: ${r.stderr}`);
        match(r.stdout, row.stdout, 'stdout', row.ref);
        match(r.stderr, row.stderr, 'stderr', row.ref);
      });
    }
  });
}
