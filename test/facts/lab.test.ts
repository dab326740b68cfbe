// Facts collected over the real transport from lab hosts of different profiles (the lab's ssh2
// servers run the probe in just-bash over their simulated /proc and /sys).
import assert from 'node:assert/strict';
import { collectFacts } from '../../src/facts/collect.js';
import { startLab, type Lab } from '../../src/lab/index.js';
import { createTransportContext, openSession } from '../../src/transport/index.js';
import { parserResolver } from '../../src/transport/ssh-config.js';
import type { ConnectionVars } from '../../src/inventory/types.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function emptyConfig(): string {
  const p = join(mkdtempSync(join(tmpdir(), 'kfleet-cfg-')), 'config');
  writeFileSync(p, '');
  return p;
}

function vars(lab: Lab, name: string, user: string, become: boolean): ConnectionVars {
  const h = lab.host(name);
  return {
    host: name,
    address: '127.0.0.1',
    port: h.port,
    user,
    privateKeyFile: lab.clientKeyPath,
    become,
    becomeUser: undefined,
    becomeMethod: 'sudo',
    becomePassword: lab.sudoPassword,
    sshCommonArgs: undefined,
    connectTimeoutS: undefined,
  };
}

describe('facts from lab hosts over the transport', function () {
  this.timeout(60_000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({
      mix: { 'alinux-5.10.134-17': 1, 'alinux-aarch64-5.10.134-16': 1, 'upstream-6.12': 1, 'no-kfence': 1 },
      become: 'sudo-password',
    });
  });
  after(() => lab?.stop());

  it('collects and parses facts from every profile, as sre with a sudo password', async () => {
    const ctx = await createTransportContext({
      sshConfig: parserResolver({ configFile: emptyConfig() }), // isolated from the user's ~/.ssh/config
      knownHostsFiles: [lab.knownHostsPath],
      agentSocket: null,
      env: {},
    });
    const byProfile = new Map<string, Awaited<ReturnType<typeof collectFacts>>>();
    for (const h of lab.hosts) {
      const s = await openSession(vars(lab, h.name, 'sre', true), ctx);
      try {
        const f = await collectFacts(s, h.name);
        byProfile.set(h.profile.name, f);
        assert.equal(f.host, h.name);
        assert.equal(f.privileged, true, `${h.name}: become worked`);
        assert.match(f.boot_id, /^[0-9a-f-]{36}$/);
        assert.ok(f.memory.total_kb > 0);
        const out = JSON.stringify(f);
        assert.ok(!lab.sudoPassword || !out.includes(lab.sudoPassword));
      } finally {
        await s.close();
      }
    }
    const al = byProfile.get('alinux-5.10.134-17');
    assert.ok(al);
    assert.match(al.kernel.release, /^5\.10\.134-17/);
    assert.equal(al.kfence.present, true);
    assert.ok('num_objects' in al.kfence.params, 'Alinux has num_objects');
    assert.match(al.kfence.params.sample_interval?.mode ?? '', /^0[0-7]{3}$/);
    assert.equal(al.grubby.available, true);
    assert.ok(al.grubby.entries.length >= 1);
    assert.ok(Object.values(al.slabs).some((s) => s.control === 'kfence_enable'));
    const arm = byProfile.get('alinux-aarch64-5.10.134-16');
    assert.equal(arm?.kernel.arch, 'aarch64');
    const up = byProfile.get('upstream-6.12');
    assert.ok(up);
    assert.equal(up.kfence.present, true);
    assert.ok(!('num_objects' in up.kfence.params), 'upstream has no num_objects');
    assert.ok(Object.values(up.slabs).some((s) => s.control === 'skip_kfence'));
    const none = byProfile.get('no-kfence');
    assert.equal(none?.kfence.present, false);
    assert.deepEqual(none?.kfence.params, {});
  });
});
