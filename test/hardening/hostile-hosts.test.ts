// Issue 9 part 3: hosts whose answers lie or are malformed. Seven hostile SSH hosts (see hostile.ts)
// sit in one inventory with two lab hosts; one `kfleet apply` (main(), in this process, so its heap
// can be watched) must end each hostile host with its cause, bound the time and the controller's
// memory, write nothing anywhere but the lab hosts, and converge the lab hosts.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFakeHost, runProbe } from '../facts/fixtures/fake-host.js';
import { PROBE_SCRIPT } from '../../src/facts/probe.js';
import { alinuxHost, HOSTILE_PLAY, keyPairFromFile, startHostile, type HostileHost } from './hostile.js';
import { cli, testLab, writePlaybook, type CliResult, type TestLab } from './support.js';
import { assertWitness, eventsOf, witnessMark, type WitnessMark } from '../support/witness.js';

const COMMAND_TIMEOUT_S = 3;
const MiB = 1 << 20;

describe('hardening: hostile hosts', function () {
  this.timeout(180_000);
  let lab: TestLab;
  let hostile: HostileHost[];
  let r: CliResult;
  let ms: number;
  let heapGrowth: number;
  let seenW: WitnessMark;
  let pbFile: string;
  const results = new Map<string, { status: string; error?: { code: string; message: string } }>();

  before(async () => {
    lab = await testLab({ hosts: 2, profile: 'alinux-5.10.134-17' });
    const key = keyPairFromFile(lab.clientKeyPath);
    const valid = runProbe(['sh'], PROBE_SCRIPT, buildFakeHost(alinuxHost()));
    assert.match(valid, /@@kfleet-probe-end/, 'the fake host answers a normal probe');
    const junkText = randomBytes(3000).toString('latin1').replace(/'/g, '');
    hostile = await Promise.all([
      startHostile('evil-endless', key, { kind: 'endless' }),
      startHostile('evil-junk', key, { kind: 'junk', bytes: 256 * 1024 }),
      startHostile('evil-drip', key, { kind: 'drip', text: valid, ms: 20 }),
      // a `stats` file that never ends (and is binary)
      startHostile('evil-stats', key, { kind: 'probe', host: alinuxHost({ drop: ['/sys/kernel/debug/kfence/stats'], links: { '/sys/kernel/debug/kfence/stats': '/dev/urandom' } }) }),
      // a grubby that prints nonsense for every question
      startHostile('evil-grubby', key, { kind: 'probe', host: alinuxHost({ grubby: { defaultKernel: 'lol', info: `index=banana\n${junkText}\nkernel=\n` } }) }),
      // a command that never exits
      startHostile('evil-hang', key, { kind: 'probe', host: alinuxHost(), bin: { grubby: 'exec sleep 3600' } }),
      // a boot id that is not one (a lie the parser must not pass on)
      startHostile('evil-bootid', key, { kind: 'probe', host: alinuxHost({ files: { '/proc/sys/kernel/random/boot_id': '$(touch /tmp/pwned)\n' } }) }),
    ]);
    // One inventory: the lab's hosts and the hostile ones, one known_hosts for all.
    const inv = join(lab.dir, 'hosts.ini');
    const labInv = readFileSync(lab.inventoryPath, 'utf8');
    writeFileSync(inv, labInv + `\n[hostile]\n${hostile.map((h) => h.inventoryLine(lab.clientKeyPath)).join('\n')}\n`);
    const kh = join(lab.dir, 'known_hosts');
    writeFileSync(kh, readFileSync(lab.knownHostsPath, 'utf8') + hostile.map((h) => h.server.knownHostsLine()).join('\n') + '\n');
    const pb = writePlaybook(lab.dir, 'hostile.yml', HOSTILE_PLAY);

    global.gc?.();
    const base = process.memoryUsage().heapUsed;
    let peak = base;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().heapUsed)), 10);
    const t0 = Date.now();
    const args = lab.args().map((a) => (a === lab.inventoryPath ? inv : a === lab.knownHostsPath ? kh : a));
    const ct = args.indexOf('--command-timeout');
    args[ct + 1] = String(COMMAND_TIMEOUT_S);
    seenW = await witnessMark(lab);
    r = await cli(['apply', pb, ...args, '--yes', '--json']);
    pbFile = pb;
    ms = Date.now() - t0;
    clearInterval(sampler);
    heapGrowth = peak - base;
    for (const line of r.stdout.split('\n')) {
      if (!line.startsWith('{')) continue;
      const e = JSON.parse(line) as { type: string; host: string; status: string; error?: { code: string; message: string } };
      if (e.type === 'host.result') results.set(e.host, e);
    }
  });
  after(async () => {
    await Promise.all((hostile ?? []).map((h) => h.stop()));
    await lab?.cleanup();
  });

  const show = (): string => JSON.stringify([...results], null, 1) + '\n' + r.stderr.slice(-2000);

  it('the lab hosts converge although seven hosts lie', async () => {
    for (const h of ['lab-001', 'lab-002']) assert.match(results.get(h)?.status ?? '', /^(changed|rebooted)$/, show());
    for (const h of lab.hosts) assert.equal(h.kfence().sampleInterval, '150', h.name);
    assert.equal(r.code, 1, 'hosts failed: the run ends halted (exit 1)');
    await assertWitness(lab, seenW, { exitCode: r.code, events: eventsOf(r.stdout), stdout: r.stdout, journal: { stateDir: join(lab.dir, 'state') } }, { playbook: pbFile });
  });

  const cases: Array<[string, RegExp, RegExp]> = [
    ['evil-endless', /^failed|unreachable$/, /^OUTPUT_TOO_LARGE$/],
    ['evil-junk', /^failed$/, /^FACTS_MALFORMED$/],
    ['evil-drip', /^failed|unreachable$/, /^TIMEOUT$/],
    ['evil-stats', /^failed$/, /^FACTS_MALFORMED$/],
    ['evil-grubby', /^refused$/, /^NO_BOOTLOADER$/],
    ['evil-hang', /^failed|unreachable$/, /^TIMEOUT$/],
    ['evil-bootid', /^failed$/, /^FACTS_MALFORMED$/],
  ];
  for (const [host, status, code] of cases) {
    it(`${host}: ${code.source.replace(/[\^$]/g, '')}, nothing written`, () => {
      const res = results.get(host);
      assert.ok(res, `no result for ${host}: ${show()}`);
      assert.match(res.status, status, show());
      assert.match(res.error?.code ?? '', code, show());
      assert.deepEqual(hostile.find((h) => h.name === host)!.refused, [], 'no write or reboot was even attempted');
    });
  }

  it(`time is bounded: the run ends within a few command timeouts (${COMMAND_TIMEOUT_S} s each)`, () => {
    // A host is probed at most three times (plan display, engine, phase): 3 x 3 s plus the lab's reboots.
    assert.ok(ms < 45_000, `the run took ${ms} ms`);
  });

  it('memory is bounded: an endless answer is cut at the output cap, the heap stays small', () => {
    const endless = hostile.find((h) => h.name === 'evil-endless')!;
    assert.ok(endless.sent() >= 4 * MiB, `the endless host sent ${endless.sent()} bytes`);
    assert.ok(heapGrowth < 96 * MiB, `heap grew by ${(heapGrowth / MiB).toFixed(1)} MiB`);
  });
});
