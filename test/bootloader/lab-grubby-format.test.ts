// The lab's grubby against what is documented of real grubby's `--info` output (grubby-bls of
// RHEL 8/9 and derivatives; e.g. Rocky Linux 9.1's `grubby --info=ALL`): per entry, in this order,
// index=N unquoted, then kernel="/boot/vmlinuz-R", args="..." (the options without root=),
// root="...", initrd="/boot/initramfs-R.img", title="<NAME> (R) <VERSION>", id="<machine-id>-R",
// every value but index in double quotes; entries newest first; --default-kernel prints the bare
// path. Every difference fails.
import assert from 'node:assert/strict';
import { startLab, type Lab } from '../../src/lab/index.js';

const DOCUMENTED = [
  /^index=(\d+)$/,
  /^kernel="(\/boot\/vmlinuz-[^"]+)"$/,
  /^args="([^"]*)"$/,
  /^root="([^"]+)"$/,
  /^initrd="(\/boot\/initramfs-[^" ]+\.img)"$/,
  /^title="([^"]+)"$/,
  /^id="([0-9a-f]{32}-[^"]+)"$/,
];

describe('lab grubby --info against documented real grubby output', function () {
  this.timeout(60_000);
  let lab: Lab;
  before(async () => {
    lab = await startLab({ mix: { 'alinux-5.10.134-17': 1 } });
  });
  after(async () => lab?.stop());

  it('prints each entry as real grubby-bls does, field by field', async () => {
    const h = lab.hosts[0]!;
    const r = await h.run('grubby --info=ALL');
    assert.equal(r.exitCode, 0, r.stderr);
    const lines = r.stdout.trim().split('\n');
    assert.equal(lines.length % DOCUMENTED.length, 0, r.stdout);
    const releases: string[] = [];
    for (let e = 0; e < lines.length / DOCUMENTED.length; e++) {
      const got = lines.slice(e * DOCUMENTED.length, (e + 1) * DOCUMENTED.length);
      const m = DOCUMENTED.map((re, i) => re.exec(got[i] ?? ''));
      m.forEach((x, i) => assert.ok(x, `entry ${e} line ${i}: ${JSON.stringify(got[i])} is not ${DOCUMENTED[i]}`));
      const [index, kernel, args, rootDev, initrd, title, id] = m.map((x) => x![1]!);
      const release = kernel!.slice('/boot/vmlinuz-'.length);
      releases.push(release);
      assert.equal(index, String(e));
      assert.doesNotMatch(args!, /(^| )root=/, 'args never carry root= (it has its own line)');
      assert.match(rootDev!, /^UUID=/);
      assert.equal(initrd, `/boot/initramfs-${release}.img`);
      assert.equal(title, `Alibaba Cloud Linux (${release}) 3 (Soaring Falcon)`);
      assert.ok(id!.endsWith(`-${release}`));
    }
    assert.deepEqual(releases, [...releases].sort().reverse(), 'newest first (ls -vr of the entries)');
    const d = await h.run('grubby --default-kernel');
    assert.equal(d.stdout, `/boot/vmlinuz-${releases[0]}\n`, 'the bare path, unquoted');
  });
});
