// A Debian 12 host with GRUB (no grubby): what update-grub generates for two installed kernels
// (the layout of Debian's /etc/grub.d/10_linux: a simple entry, then a submenu with a normal and
// a recovery entry per kernel), and HostFacts built around it.
import type { HostFacts } from '../../src/facts/types.js';
import { grubDefaultItem, grubEntries, parseGrubMenu } from '../../src/bootloader/grub-cfg.js';

export const UUID = '6b1f0c1e-4b6e-4f53-9c1a-6b666c656574';

export function debianGrubCfg(kernels: string[], linuxArgs: string, defaultArgs = 'quiet'): string {
  const entry = (indent: string, title: string, id: string, k: string, args: string): string[] => [
    `${indent}menuentry '${title}' --class debian --class gnu-linux --class gnu --class os $menuentry_id_option '${id}' {`,
    `${indent}\tload_video`,
    `${indent}\tinsmod gzio`,
    `${indent}\tif [ x$grub_platform = xxen ]; then insmod xzio; insmod lzopio; fi`,
    `${indent}\tinsmod part_msdos`,
    `${indent}\tinsmod ext2`,
    `${indent}\tset root='hd0,msdos1'`,
    `${indent}\techo\t'Loading Linux ${k} ...'`,
    `${indent}\tlinux\t/boot/vmlinuz-${k} root=UUID=${UUID} ro ${args}`,
    `${indent}\techo\t'Loading initial ramdisk ...'`,
    `${indent}\tinitrd\t/boot/initrd.img-${k}`,
    `${indent}}`,
  ];
  const lines = [
    '### BEGIN /etc/grub.d/00_header ###',
    'function load_video {',
    '  if [ x$feature_all_video_module = xy ]; then',
    '    insmod all_video',
    '  fi',
    '}',
    '### BEGIN /etc/grub.d/10_linux ###',
    'function gfxmode {',
    '\tset gfxpayload="${1}"',
    '}',
    ...entry('', 'Debian GNU/Linux', `gnulinux-simple-${UUID}`, kernels[0]!, `${linuxArgs} ${defaultArgs}`.trim()),
    `submenu 'Advanced options for Debian GNU/Linux' $menuentry_id_option 'gnulinux-advanced-${UUID}' {`,
    ...kernels.flatMap((k) => [
      ...entry('\t', `Debian GNU/Linux, with Linux ${k}`, `gnulinux-${k}-advanced-${UUID}`, k, `${linuxArgs} ${defaultArgs}`.trim()),
      ...entry('\t', `Debian GNU/Linux, with Linux ${k} (recovery mode)`, `gnulinux-${k}-recovery-${UUID}`, k, `single ${linuxArgs}`.trim()),
    ]),
    '}',
    '### BEGIN /etc/grub.d/30_uefi-firmware ###',
    "menuentry 'UEFI Firmware Settings' $menuentry_id_option 'uefi-firmware' {",
    '\tfwsetup',
    '}',
  ];
  return lines.join('\n') + '\n';
}

export const K1 = '6.12.117+deb12-amd64';
export const K2 = '6.12.118+deb12-amd64';

/** Facts of a Debian GRUB host running K1 (the default unless told otherwise). */
export function debianFacts(opts: { kernels?: string[]; linux?: string; linuxDefault?: string; dropin?: string | null; running?: string; cmdline?: string } = {}): HostFacts {
  const kernels = opts.kernels ?? [K1];
  const linux = opts.linux ?? 'console=ttyS0,115200';
  const dropTokens = opts.dropin ? /GRUB_CMDLINE_LINUX="\$GRUB_CMDLINE_LINUX ([^"]*)"/.exec(opts.dropin)?.[1] ?? '' : '';
  const cfg = debianGrubCfg(kernels, `${linux} ${dropTokens}`.trim(), opts.linuxDefault ?? 'quiet');
  const menu = parseGrubMenu(cfg);
  const running = opts.running ?? K1;
  return {
    schema: 1,
    host: 'deb0',
    kernel: { release: running, arch: 'x86_64', page_size: 4096 },
    os: { id: 'debian', version_id: '12', pretty_name: 'Debian GNU/Linux 12 (bookworm)' },
    memory: { total_kb: 1_000_000, available_kb: 800_000 },
    numa: { online: [0], possible: [0] },
    boot_id: '0f4b6d3e-7a43-4c5e-9a1e-2b9f3c1d5e6f',
    uptime_s: 100,
    cmdline: opts.cmdline ?? `BOOT_IMAGE=/boot/vmlinuz-${running} root=UUID=${UUID} ro ${linux} quiet`,
    grubby: { available: false, default_kernel: null, entries: [] },
    boot: {
      mechanism: 'grub-debian',
      default_kernel: grubDefaultItem(menu, '0', null)?.kernel ?? null,
      entries: grubEntries(menu),
      grub: { update: 'update-grub', cmdline_linux: linux, cmdline_linux_default: opts.linuxDefault ?? 'quiet', default: '0', saved_entry: null, dropin: opts.dropin ?? null },
      seen: ['update-grub', '/etc/default/grub', '/boot/grub/grub.cfg'],
    },
    kfence: {
      present: true,
      params: { sample_interval: { value: '0', mode: '0600' }, burst: { value: '0', mode: '0644' }, skip_covered_thresh: { value: '75', mode: '0644' }, check_on_panic: { value: 'N', mode: '0444' }, deferrable: { value: 'N', mode: '0444' } },
      debugfs_mounted: true,
      stats: null,
      config: { CONFIG_KFENCE: 'y', CONFIG_KFENCE_NUM_OBJECTS: '255', CONFIG_KFENCE_SAMPLE_INTERVAL: '0' },
    },
    slabs: { 'kmalloc-32': { control: 'skip_kfence', value: '0', objects: '512' }, 'kmalloc-64': { control: 'skip_kfence', value: '0', objects: '256' } },
    boot_unit: { installed: false, hash: null },
    privileged: true,
  };
}
