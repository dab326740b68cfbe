// Each remote read outside the probe is a command and a parser (src/facts/reads). The parsers are
// checked against recorded outputs (fixtures/<read>/<case>.json: stdout, exit code, the fact); the
// commands are run on a lab host and what they print is parsed and compared with the host itself.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootArgsStateRead, bootIdRead, previousBootPanicRead, rebootMarkerRead, trialFactsRead, UUID, type RemoteRead } from '../../../src/facts/reads/index.js';
import { startLab, type Lab } from '../../../src/lab/index.js';

const DIR = join(import.meta.dirname, 'fixtures');

interface Fixture {
  args?: { kernels: string[]; unit: string };
  stdout: string;
  code: number | null;
  fact?: unknown;
  throws?: string;
}

const READS: Record<string, (f: Fixture) => RemoteRead<unknown>> = {
  'boot-id': () => bootIdRead,
  'reboot-marker': () => rebootMarkerRead,
  'previous-boot-panic': () => previousBootPanicRead,
  'boot-args-state': (f) => bootArgsStateRead(f.args!.kernels, f.args!.unit),
  'trial-facts': () => trialFactsRead,
};

const plain = (v: unknown): unknown => (v instanceof Map ? Object.fromEntries(v) : Array.isArray(v) ? v.map(plain) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)])) : v);

describe('remote reads: parsers from recorded outputs', () => {
  it('every read has fixtures and every fixture dir is a read', () => {
    assert.deepEqual(readdirSync(DIR).sort(), Object.keys(READS).sort());
  });
  for (const dir of readdirSync(DIR).sort()) {
    for (const file of readdirSync(join(DIR, dir)).sort()) {
      it(`${dir}/${file}`, () => {
        const fx = JSON.parse(readFileSync(join(DIR, dir, file), 'utf8')) as Fixture;
        const read = READS[dir]!(fx);
        if (fx.throws) assert.throws(() => read.parse(fx.stdout, fx.code), new RegExp(fx.throws));
        else assert.deepEqual(plain(read.parse(fx.stdout, fx.code)), fx.fact);
      });
    }
  }
  it('commands quote what they are given', () => {
    const r = bootArgsStateRead(["/boot/vmlinuz-x'; reboot; '"], '/etc/u');
    assert.ok(r.command.includes(`grubby '--info=/boot/vmlinuz-x'\\''; reboot; '\\''' |`), r.command);
  });
});

describe('remote reads: the commands on a lab host', function () {
  this.timeout(30_000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ hosts: 1, profile: 'alinux-5.10.134-17', downtimeMs: 50 });
  });
  after(async () => lab?.stop());
  const run = async <T>(r: RemoteRead<T>): Promise<T> => {
    const out = await lab.hosts[0]!.run(r.command);
    return r.parse(out.stdout, out.exitCode);
  };

  it('boot id and reboot marker', async () => {
    const h = lab.hosts[0]!;
    const id = await run(bootIdRead);
    assert.ok(UUID.test(id), id);
    assert.equal(id, h.bootId);
    assert.deepEqual(await run(rebootMarkerRead), { bootId: id, run: null });
    await h.run('mkdir -p /run/kfleet && echo r-1 > /run/kfleet/reboot-pending');
    assert.deepEqual(await run(rebootMarkerRead), { bootId: id, run: 'r-1' });
  });

  it('boot args state: cmdline and every listed entry', async () => {
    const h = lab.hosts[0]!;
    const kernels = (await h.run('grubby --info=ALL')).stdout.split('\n').filter((l) => l.startsWith('kernel=')).map((l) => l.slice(7).replace(/"/g, ''));
    assert.ok(kernels.length >= 2, kernels.join());
    const st = await run(bootArgsStateRead(kernels, '/etc/systemd/system/kfleet-kfence.service'));
    assert.equal(st.cmdline, (await h.readFile('/proc/cmdline')).trim());
    assert.equal(st.unitInstalled, false);
    for (const k of kernels) assert.equal(st.args.get(k), (await h.run(`grubby --info=${k} | sed -n 's/^args=//p'`)).stdout.trim().replace(/^"|"$/g, ''));
  });

  it("previous boot's log: a KFENCE panic is found, another panic is not", async () => {
    const h = lab.hosts[0]!;
    assert.equal(await run(previousBootPanicRead), null);
    await h.crash();
    assert.equal(await run(previousBootPanicRead), null, 'a sysrq panic is not KFENCE');
    await h.run('echo panic > /sys/module/kfence/parameters/fault; echo 100 > /sys/module/kfence/parameters/sample_interval');
    assert.equal(h.inject('use-after-free'), 'panic');
    while (h.state !== 'up') await new Promise((r) => setTimeout(r, 20));
    assert.equal(await run(previousBootPanicRead), 'Kernel panic - not syncing: kfence.fault=panic set ...');
  });

  it('trial facts: kernel.panic, the GRUB environment block, kdump as the host has them', async () => {
    const h = lab.hosts[0]!;
    const t = await run(trialFactsRead);
    assert.equal(t.kernel_panic, Number((await h.readFile('/proc/sys/kernel/panic')).trim()));
    assert.deepEqual(t.grubenv, [{ path: '/boot/grub2/grubenv', writable: true }]);
    assert.ok(t.tools.includes('grub2-reboot'));
    assert.equal(t.kdump.reserved_bytes, Number((await h.readFile('/sys/kernel/kexec_crash_size')).trim()));
    assert.equal(t.kdump.loaded, false);
    await h.run('sysctl -w kernel.panic=0 && systemctl enable --now kdump.service');
    const after = await run(trialFactsRead);
    assert.equal(after.kernel_panic, 0);
    assert.deepEqual(after.kdump, { reserved_bytes: t.kdump.reserved_bytes, loaded: true, service: 'active' });
  });
});
