import assert from 'node:assert/strict';
import { grubDefaultItem, grubEntries, parseGrubMenu } from '../../src/bootloader/grub-cfg.js';
import { dropinTokens, renderDropin } from '../../src/bootloader/grub-dropin.js';
import { debianGrubCfg, K1, K2, UUID } from './fixtures.js';

describe('Debian GRUB: grub.cfg entries, GRUB_DEFAULT, the drop-in', () => {
  const cfg = debianGrubCfg([K2, K1], 'console=ttyS0,115200 kfence.sample_interval=100');
  const menu = parseGrubMenu(cfg);

  it('lists every Linux entry in menu order: the simple entry, then normal and recovery per kernel', () => {
    const e = grubEntries(menu);
    assert.deepEqual(e.map((x) => [x.index, x.title, x.kernel]), [
      [0, 'Debian GNU/Linux', `/boot/vmlinuz-${K2}`],
      [1, `Debian GNU/Linux, with Linux ${K2}`, `/boot/vmlinuz-${K2}`],
      [2, `Debian GNU/Linux, with Linux ${K2} (recovery mode)`, `/boot/vmlinuz-${K2}`],
      [3, `Debian GNU/Linux, with Linux ${K1}`, `/boot/vmlinuz-${K1}`],
      [4, `Debian GNU/Linux, with Linux ${K1} (recovery mode)`, `/boot/vmlinuz-${K1}`],
    ]);
    assert.equal(e[2]!.args, `root=UUID=${UUID} ro single console=ttyS0,115200 kfence.sample_interval=100`);
    assert.equal(e[0]!.id, `gnulinux-simple-${UUID}`);
  });

  it('reads the same entries from the filtered lines the probe sends', () => {
    const filtered = cfg.split('\n').filter((l) => /^\s*(menuentry|submenu|function|linux|linux16|linuxefi|\})(\s|$)/.test(l)).join('\n');
    assert.deepEqual(grubEntries(parseGrubMenu(filtered)), grubEntries(menu));
  });

  it('resolves GRUB_DEFAULT: an index, a submenu path, an id, a title, saved (grubenv), and nothing', () => {
    assert.equal(grubDefaultItem(menu, '0', null)?.kernel, `/boot/vmlinuz-${K2}`);
    assert.equal(grubDefaultItem(menu, '1>2', null)?.kernel, `/boot/vmlinuz-${K1}`);
    assert.equal(grubDefaultItem(menu, `gnulinux-advanced-${UUID}>gnulinux-${K1}-advanced-${UUID}`, null)?.kernel, `/boot/vmlinuz-${K1}`);
    assert.equal(grubDefaultItem(menu, `Advanced options for Debian GNU/Linux>Debian GNU/Linux, with Linux ${K1}`, null)?.kernel, `/boot/vmlinuz-${K1}`);
    assert.equal(grubDefaultItem(menu, 'saved', `1>3`)?.title, `Debian GNU/Linux, with Linux ${K1} (recovery mode)`);
    assert.equal(grubDefaultItem(menu, 'saved', null)?.kernel, `/boot/vmlinuz-${K2}`, 'no saved_entry: entry 0');
    assert.equal(grubDefaultItem(menu, '7', null), null);
    assert.equal(grubDefaultItem(menu, '1', null), null, 'a submenu is not an entry');
  });

  it("joins GRUB's '\\'' quoting in titles", () => {
    const m = parseGrubMenu("menuentry 'Bob'\\''s kernel' $menuentry_id_option 'bob' {\n\tlinux /boot/vmlinuz-x ro\n}\n");
    assert.deepEqual(grubEntries(m).map((e) => [e.title, e.id, e.kernel, e.args]), [["Bob's kernel", 'bob', '/boot/vmlinuz-x', 'ro']]);
  });

  it('renders the drop-in and reads back only its own format', () => {
    const d = renderDropin(['kfence.sample_interval=100', 'kfleet.boot_unit=abc']);
    assert.match(d!, /^GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX kfence\.sample_interval=100 kfleet\.boot_unit=abc"$/m);
    assert.deepEqual(dropinTokens(d), ['kfence.sample_interval=100', 'kfleet.boot_unit=abc']);
    assert.equal(renderDropin([]), null);
    assert.deepEqual(dropinTokens(null), []);
    assert.equal(dropinTokens('GRUB_CMDLINE_LINUX="kfence.sample_interval=1"\n'), null, 'replaces instead of appending');
    assert.equal(dropinTokens(`${d}GRUB_TIMEOUT=0\n`), null, 'a second setting');
    assert.equal(dropinTokens('GRUB_CMDLINE_LINUX="$GRUB_CMDLINE_LINUX $(reboot)"\n'), null, 'a command substitution');
  });
});
