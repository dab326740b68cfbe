// The reboot kfleet fires is bound to the boot it was planned for: on any other boot it does
// nothing. This is what keeps a resumed run from rebooting a host twice when the dead controller's
// fire reached the host after all (the crash harness found that race: the resumed run probed the
// old boot, the host went down before the marker check, and a second reboot was fired).
import assert from 'node:assert/strict';
import { startLab, type Lab } from '../../src/lab/index.js';
import { fireCommand, REBOOT_MARKER, rebootPending } from '../../src/rollout/reboot.js';
import type { HostSession } from '../../src/transport/types.js';
import { sleep } from './support.js';

/** Just enough of a HostSession over a lab host's shell for rebootPending. */
function labSession(h: ReturnType<Lab['host']>): HostSession {
  return {
    exec: async (cmd: string) => {
      const r = await h.run(cmd);
      return { code: r.exitCode, signal: null, stdout: r.stdout, stderr: r.stderr, ms: 0 };
    },
  } as unknown as HostSession;
}

describe('reboot fire bound to a boot id (lab)', function () {
  this.timeout(30_000);
  let lab: Lab;
  afterEach(async () => lab?.stop());

  it('fires on the boot it names, and is a no-op on any other boot', async () => {
    lab = await startLab({ hosts: 1, profile: 'upstream-6.12', downtimeMs: 200 });
    const h = lab.host('lab-001');
    const boots = h.bootCount;
    const stale = '00000000-0000-4000-8000-000000000000';
    const r1 = await h.run(fireCommand('run-a', stale));
    assert.equal(r1.exitCode, 0);
    await sleep(1800);
    assert.equal(h.bootCount, boots, 'a fire for another boot does not reboot');
    assert.equal((await h.run(`cat ${REBOOT_MARKER} 2>/dev/null || echo none`)).stdout.trim(), 'none', 'nor leaves a marker');
    assert.equal(await rebootPending(labSession(h), 'run-a', h.bootId), false);

    const current = h.bootId;
    await h.run(fireCommand('run-a', current));
    await sleep(100);
    assert.equal(await rebootPending(labSession(h), 'run-a', current), true, 'marker on the named boot');
    const t0 = Date.now();
    while (h.bootCount === boots && Date.now() - t0 < 5000) await sleep(50);
    assert.equal(h.bootCount, boots + 1, 'the named boot reboots');
    await h.waitUp();
    assert.notEqual(h.bootId, current);
    assert.equal(await rebootPending(labSession(h), 'run-a', current), 'gone', 'another boot: gone, never "not fired"');
  });
});
