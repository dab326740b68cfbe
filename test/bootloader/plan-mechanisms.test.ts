import assert from 'node:assert/strict';
import { planHost } from '../../src/plan/plan-host.js';
import { describePlan } from '../../src/plan/diff.js';
import { planIsEmpty } from '../../src/plan/types.js';
import { buildBootArgsScript, parseBootArgsOutput, verifyBootArgs } from '../../src/bootloader/scripts.js';
import { restoreBootArgs } from '../../src/bootloader/restore.js';
import { renderDropin } from '../../src/bootloader/grub-dropin.js';
import { grubEntries, parseGrubMenu } from '../../src/bootloader/grub-cfg.js';
import { play } from '../plan/helpers.js';
import { debianFacts, debianGrubCfg, K1, K2 } from './fixtures.js';

const boot100 = play({ mode: 'sampling', sample_interval: 100, apply: 'boot' });
const dropin100 = renderDropin(['kfence.sample_interval=100', 'kfleet.boot_unit']);

describe('planning boot args for the host bootloader', () => {
  it('Debian GRUB: writes the drop-in and regenerates, every entry (normal and recovery) gets the args', () => {
    const p = planHost(boot100, debianFacts());
    assert.deepEqual(p.refused, []);
    assert.equal(p.bootloader, 'grub-debian');
    assert.equal(p.boot?.mechanism, 'grub-debian');
    assert.equal(p.boot?.grub?.dropin_before, null);
    assert.match(p.boot?.grub?.dropin_after ?? '', /^GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX kfence\.sample_interval=100"$/m);
    assert.equal(p.boot?.entries.length, 3);
    for (const e of p.boot!.entries) assert.match(e.after, /kfence\.sample_interval=100/);
    assert.ok(p.reboot.required);
    const text = describePlan(p).join('\n');
    assert.match(text, /bootloader: Debian GRUB: write \/etc\/default\/grub\.d\/kfleet-kfence\.cfg, then update-grub/);
    assert.match(text, /grub entry "Debian GNU\/Linux, with Linux .* \(recovery mode\)": \+kfence\.sample_interval=100/);
  });

  it('Debian GRUB: converged (drop-in in place, grub.cfg regenerated, booted with it) plans nothing', () => {
    // As the probe reads it: without the final newline.
    const f = debianFacts({ dropin: renderDropin(['kfence.sample_interval=100'])!.trimEnd(), cmdline: `BOOT_IMAGE=/boot/vmlinuz-${K1} ro console=ttyS0,115200 kfence.sample_interval=100 quiet` });
    f.kfence.params.sample_interval!.value = '100';
    const p = planHost(boot100, f);
    assert.ok(planIsEmpty(p), describePlan(p).join('\n'));
  });

  it('Debian GRUB: a stale grub.cfg (drop-in written, update-grub never ran) is regenerated', () => {
    const f = debianFacts();
    f.boot!.grub!.dropin = renderDropin(['kfence.sample_interval=100']);
    const p = planHost(boot100, f);
    assert.equal(p.boot?.grub?.dropin_after, p.boot?.grub?.dropin_before);
    assert.equal(p.boot?.entries.length, 3);
  });

  it('Debian GRUB: refuses what the drop-in cannot override, and a hand-edited drop-in', () => {
    const off = play({ mode: 'off', sample_interval: 0, apply: 'boot' });
    const inLinux = debianFacts({ linux: 'console=ttyS0 kfence.sample_interval=5' });
    const p = planHost(play({ mode: 'sampling', sample_interval: 50, apply: 'boot', booting_max: null }), inLinux);
    assert.deepEqual(p.refused, [], 'a value set by the admin in GRUB_CMDLINE_LINUX is overridden (the drop-in comes last)');
    const q = planHost(boot100, debianFacts({ linuxDefault: 'quiet kfence.sample_interval=5' }));
    assert.deepEqual(q.refused.map((r) => r.code), ['BOOT_ARGS_ELSEWHERE']);
    assert.match(q.refused[0]!.message, /GRUB_CMDLINE_LINUX_DEFAULT would override/);
    const f = debianFacts({ linux: 'console=ttyS0 kfence.sample_interval=5' });
    f.kfence.params.sample_interval!.value = '5';
    const r = planHost(off, f);
    assert.ok(r.refused.some((x) => x.code === 'BOOT_ARGS_ELSEWHERE' && /must be absent/.test(x.message)), JSON.stringify(r.refused));
    const h = debianFacts();
    h.boot!.grub!.dropin = 'GRUB_CMDLINE_LINUX="quiet"\n';
    assert.deepEqual(planHost(boot100, h).refused.map((x) => x.code), ['BOOT_ARGS_ELSEWHERE']);
  });

  it('warns naming both kernels when the next boot starts another kernel than the running one', () => {
    const p = planHost(boot100, debianFacts({ kernels: [K2, K1], running: K1 }));
    assert.match(p.warnings.join('\n'), new RegExp(`next boot starts /boot/vmlinuz-${K2.replace(/[.+]/g, '\\$&')} .*not the running kernel ${K1.replace(/[.+]/g, '\\$&')}`));
    assert.equal(p.boot?.entries.length, 5, 'both kernels, normal and recovery');
    const same = planHost(boot100, debianFacts({ kernels: [K2, K1], running: K2 }));
    assert.doesNotMatch(same.warnings.join('\n'), /next boot starts/);
  });

  it('refuses a host with no bootloader kfleet can configure, saying what would work', () => {
    const f = debianFacts();
    f.boot = { mechanism: null, default_kernel: null, entries: [], seen: ['/etc/default/grub'] };
    const p = planHost(boot100, f);
    assert.deepEqual(p.refused.map((r) => r.code), ['NO_BOOTLOADER']);
    assert.match(p.refused[0]!.message, /found only: \/etc\/default\/grub/);
    assert.match(p.refused[0]!.hint ?? '', /grubby .*Debian\/Ubuntu GRUB .*kernel-install/);
    assert.equal(planHost(play({ mode: 'sampling', sample_interval: 100, apply: 'runtime' }), f).refused.length, 0, 'runtime needs no bootloader');
  });

  it('kernel-install: /etc/kernel/cmdline for later kernels and the options line of every entry', () => {
    const f = debianFacts();
    f.boot = {
      mechanism: 'kernel-install', default_kernel: null, seen: ['kernel-install'], kernel_cmdline: 'root=UUID=x ro quiet', entries_dir: '/boot/loader/entries',
      entries: [{ index: 0, kernel: `/abc/${K1}/linux`, args: 'root=UUID=x ro quiet', title: 'Debian', id: `/boot/loader/entries/abc-${K1}.conf` }],
    };
    const p = planHost(boot100, f);
    assert.equal(p.boot?.mechanism, 'kernel-install');
    assert.equal(p.boot?.kernel_cmdline?.after, 'root=UUID=x ro quiet kfence.sample_interval=100');
    assert.deepEqual(p.boot?.kernels, [`/boot/loader/entries/abc-${K1}.conf`]);
    const s = buildBootArgsScript(p.boot!);
    assert.match(s, /> \/etc\/kernel\/cmdline\.kfleet-tmp && mv -f/);
    assert.match(s, /printf 'options %s\\n' 'root=UUID=x ro quiet kfence\.sample_interval=100'/);
    const out = `@@kfleet-args /etc/kernel/cmdline\nroot=UUID=x ro quiet kfence.sample_interval=100\n@@kfleet-args /boot/loader/entries/abc-${K1}.conf\nroot=UUID=x ro quiet kfence.sample_interval=100 \n`;
    assert.deepEqual(verifyBootArgs(p.boot!, parseBootArgsOutput(out)), []);
    assert.equal(verifyBootArgs(p.boot!, parseBootArgsOutput(out.replace(/kfence.sample_interval=100\n@@kfleet-args \/boot/, 'x\n@@kfleet-args /boot'))).length, 1);
  });
});

describe('the Debian GRUB write, its read-back and its restore', () => {
  const p = planHost(boot100, debianFacts({ kernels: [K2, K1], running: K2 }));
  const change = p.boot!;

  it('one script: the drop-in through a temporary file, update-grub, the regenerated menu', () => {
    const s = buildBootArgsScript(change);
    assert.match(s, /mkdir -p \/etc\/default\/grub\.d/);
    assert.match(s, /> \/etc\/default\/grub\.d\/kfleet-kfence\.cfg\.kfleet-tmp && mv -f \/etc\/default\/grub\.d\/kfleet-kfence\.cfg\.kfleet-tmp \/etc\/default\/grub\.d\/kfleet-kfence\.cfg \|\| exit 20/);
    assert.match(s, /if ! out=\$\(update-grub 2>&1\); then .* exit 21; fi/);
    assert.match(s, /grep -E .* \/boot\/grub\/grub\.cfg$/m);
  });

  it('verifies every regenerated entry by title, and names the ones that do not carry the args', () => {
    const good = `noise\n@@kfleet-grub-cfg\n${debianGrubCfg([K2, K1], 'console=ttyS0,115200 kfence.sample_interval=100')}`;
    assert.deepEqual(verifyBootArgs(change, parseBootArgsOutput(good)), []);
    const stale = `@@kfleet-grub-cfg\n${debianGrubCfg([K2, K1], 'console=ttyS0,115200')}`;
    const problems = verifyBootArgs(change, parseBootArgsOutput(stale));
    assert.equal(problems.length, 5);
    assert.match(problems[2]!, /\(recovery mode\): kfence\.sample_interval is absent, expected "100"/);
    const gone = `@@kfleet-grub-cfg\n${debianGrubCfg([K2], 'console=ttyS0,115200 kfence.sample_interval=100')}`;
    assert.match(verifyBootArgs(change, parseBootArgsOutput(gone)).join('\n'), new RegExp(`with Linux ${K1.replace(/[.+]/g, '\\$&')}: no such entry`));
  });

  it('restores the drop-in as recorded (here: none) on every entry, including a kernel installed since', () => {
    const before = debianFacts({ kernels: [K1] });
    const now = debianFacts({ kernels: [K2, K1], dropin: dropin100 });
    const [r, ...rest] = restoreBootArgs(before, now);
    assert.equal(rest.length, 0);
    assert.equal(r?.mechanism, 'grub-debian');
    assert.equal(r?.grub?.dropin_after, null);
    assert.match(buildBootArgsScript(r!), /rm -f \/etc\/default\/grub\.d\/kfleet-kfence\.cfg \|\| exit 20/);
    assert.equal(r?.entries.length, 5);
    for (const e of r!.entries) assert.doesNotMatch(e.after, /kfence\.|kfleet\./, e.title);
    const back = `@@kfleet-grub-cfg\n${debianGrubCfg([K2, K1], 'console=ttyS0,115200')}`;
    assert.deepEqual(verifyBootArgs(r!, parseBootArgsOutput(back)), []);
    assert.deepEqual(restoreBootArgs(before, before), [], 'nothing to restore');
    assert.equal(grubEntries(parseGrubMenu(back)).length, 5);
  });
});
