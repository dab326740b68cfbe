import { strict as assert } from 'node:assert';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { KfleetError } from '../../src/errors.js';
import { connectionVars } from '../../src/inventory/connection.js';
import { loadInventory } from '../../src/inventory/load.js';
import type { InventoryHost, Vars } from '../../src/inventory/types.js';

const h = (vars: Vars): InventoryHost => ({ name: 'web01', vars, groups: ['all'] });
const err = (vars: Vars): KfleetError => {
  try {
    connectionVars(h(vars));
  } catch (e) {
    assert.ok(e instanceof KfleetError);
    return e;
  }
  return assert.fail('no error');
};

describe('inventory: connection variables', () => {
  it('defaults: the inventory name is the address, no become', () => {
    assert.deepEqual(connectionVars(h({})), {
      host: 'web01', address: 'web01', port: undefined, user: undefined, privateKeyFile: undefined, become: false,
      becomeUser: undefined, becomeMethod: undefined, becomePassword: undefined, sshCommonArgs: undefined, connectTimeoutS: undefined,
    });
  });
  it('reads every supported ansible_* variable', () => {
    const c = connectionVars(h({
      ansible_host: '10.0.0.5', ansible_port: '2222', ansible_user: 'ops', ansible_ssh_private_key_file: '~/.ssh/k',
      ansible_become: 'yes', ansible_become_user: 'root', ansible_become_method: 'sudo', ansible_become_pass: 's3cret',
      ansible_ssh_common_args: '-J bastion', ansible_ssh_timeout: 15,
    }));
    assert.deepEqual(
      [c.address, c.port, c.user, c.privateKeyFile, c.become, c.becomeUser, c.becomeMethod, c.becomePassword, c.sshCommonArgs, c.connectTimeoutS],
      ['10.0.0.5', 2222, 'ops', '~/.ssh/k', true, 'root', 'sudo', 's3cret', '-J bastion', 15],
    );
    assert.equal(connectionVars(h({ ansible_become_password: 'a', ansible_become_pass: 'b' })).becomePassword, 'a');
  });
  it('accepts Ansible truthy and falsy forms for ansible_become', () => {
    for (const t of [true, 'yes', 'True', 'on', '1', 1, 'y']) assert.equal(connectionVars(h({ ansible_become: t })).become, true, String(t));
    for (const f of [false, 'no', 'False', 'off', '0', 0, null]) assert.equal(connectionVars(h({ ansible_become: f })).become, false, String(f));
    assert.match(err({ ansible_become: 'maybe' }).message, /ansible_become must be a boolean/);
  });
  it('validates ports, timeouts and types with the host as location', () => {
    for (const p of [0, 65536, 'ssh', 22.5, -1]) {
      const e = err({ ansible_port: p });
      assert.match(e.message, /ansible_port must be an integer from 1 to 65535/);
      assert.deepEqual(e.location, { host: 'web01' });
      assert.equal(e.exitCode, 2);
    }
    assert.match(err({ ansible_ssh_timeout: 'soon' }).message, /ansible_ssh_timeout/);
    assert.match(err({ ansible_user: ['a'] }).message, /ansible_user must be a string/);
    assert.match(err({ ansible_host: 'two words' }).message, /ansible_host/);
  });
  it('refuses become methods other than sudo, clearly', () => {
    const e = err({ ansible_become_method: 'su' });
    assert.match(e.message, /"su" is not supported/);
    assert.match(e.hint ?? '', /sudo/);
  });
  it('never puts the become password in an error message', () => {
    const e = err({ ansible_become_password: { pw: 'hunter2' } });
    assert.doesNotMatch(`${e.message} ${e.hint}`, /hunter2/);
    const e2 = err({ ansible_become_pass: ['hunter2'] });
    assert.doesNotMatch(`${e2.message} ${e2.hint}`, /hunter2/);
  });
  it('works on the example inventories (group_vars, host_vars and priorities)', async () => {
    const root = path.join(path.dirname(fileURLToPath(import.meta.url)), '../../inventory');
    for (const f of ['prod.ini', 'prod.yml']) {
      const inv = await loadInventory(path.join(root, f));
      const all = inv.hosts.map(connectionVars);
      assert.equal(all.length, 17, f);
      const web13 = all.find((c) => c.host === 'web-13.prod.example.net');
      assert.deepEqual([web13?.address, web13?.port, web13?.user, web13?.become, web13?.connectTimeoutS], ['10.20.1.113', 2222, 'kfleet', true, 15]);
      const dba = all.find((c) => c.host === 'db-a.prod.example.net');
      assert.deepEqual([dba?.user, dba?.becomePassword, dba?.sshCommonArgs], ['dba-ops', 'change-me', '-o ProxyJump=bastion.prod.example.net']);
    }
  });
});
