// The persistent disk of one lab host (everything but /sys, /proc and /dev): created on first use,
// kept across reboots (except /tmp), shared by all of the host's sessions.

import { InMemoryFs, getCommandNames } from 'just-bash';
import type { Profile } from '../profiles.js';
import { generateGrubCfg, sourceAssignments } from '../shell/grub.js';

export interface DiskIdentity {
  hostname: string;
  machineId: string;
  rootUuid: string;
}

export const ENTRIES_DIR = '/boot/loader/entries';
export const GRUBENV = '/boot/grub2/grubenv';
export const WANTS_DIR = '/etc/systemd/system/multi-user.target.wants';

/** Commands the lab shell adds to just-bash's (shell/*.ts). */
export const LAB_COMMANDS = ['__lab_open', '__lab_wstat', '__lab_bg', 'sh', 'bash', 'sudo', 'tee', 'nohup', 'kill', 'uname', 'id', 'whoami', 'hostname', 'nproc', 'sync', 'getconf', 'dmesg', 'journalctl', 'mktemp', 'chown', 'grubby', 'update-grub', 'grub-mkconfig', 'grub-editenv', 'grub-reboot', 'grub-set-default', 'grub2-editenv', 'grub2-reboot', 'grub2-set-default', 'sysctl', 'kdumpctl', 'systemctl', 'reboot', 'shutdown', 'cat'];

/** Every command name; /bin and /usr/bin show a stub for each (synthesized by SessionFs, not stored per host). */
export const COMMAND_STUBS: ReadonlySet<string> = new Set([...getCommandNames(), ...LAB_COMMANDS]);
const STUB_PATH = /^\/(?:usr\/)?bin\/([^/]+)$/;

export function commandStub(path: string): string | undefined {
  const m = STUB_PATH.exec(path);
  return m && COMMAND_STUBS.has(m[1]!) ? `#!/bin/bash\n# Built-in command: ${m[1]}\n` : undefined;
}

/** The image's sysctl.d: the lab's images reset 10 s after a panic (the kernel's own default,
 *  CONFIG_PANIC_TIMEOUT, is 0); a host whose disk was never used boots with these too. */
export const IMAGE_SYSCTL_FILE = '/etc/sysctl.d/50-lab-panic.conf';
export const IMAGE_SYSCTLS: ReadonlyMap<string, string> = new Map([['kernel.panic', '10']]);

export function entryId(id: DiskIdentity, release: string): string {
  return `${id.machineId}-${release}`;
}

function bls(p: Profile, id: DiskIdentity, release: string): string {
  return [
    `title ${p.titleFor(release)}`,
    `version ${release}`,
    `linux /vmlinuz-${release}`,
    `initrd /initramfs-${release}.img $tuned_initrd`,
    `options root=UUID=${id.rootUuid} ${p.defaultArgs}`,
    `id ${entryId(id, release)}`,
    'grub_users $grub_users',
    'grub_arg --unrestricted',
    'grub_class kernel',
    '',
  ].join('\n');
}

function kconfig(p: Profile): string {
  const lines = ['#', `# Automatically generated file; DO NOT EDIT.`, `# Linux/${p.arch === 'aarch64' ? 'arm64' : 'x86'} ${p.release} Kernel Configuration`, '#', 'CONFIG_SLUB=y', 'CONFIG_NUMA=y', 'CONFIG_DEBUG_FS=y', 'CONFIG_CONTIG_ALLOC=y'];
  // Debian's 6.12 amd64 config has CONFIG_PGTABLE_LEVELS=5 (read from the real kernel's config by the VM tier); arm64 with 4 KiB pages and 48-bit VAs has 4.
  lines.push(`CONFIG_PGTABLE_LEVELS=${p.arch === 'aarch64' ? 4 : 5}`, '# CONFIG_KASAN is not set');
  if (p.flavor === 'none') lines.push('CONFIG_HAVE_ARCH_KFENCE=y', '# CONFIG_KFENCE is not set');
  else {
    // Debian's 6.12 leaves CONFIG_KFENCE_STATIC_KEYS unset (checked on the real kernel); the Alinux value is unknown.
    lines.push('CONFIG_HAVE_ARCH_KFENCE=y', 'CONFIG_KFENCE=y', p.flavor === 'alinux' ? 'CONFIG_KFENCE_STATIC_KEYS=y' : '# CONFIG_KFENCE_STATIC_KEYS is not set', `CONFIG_KFENCE_SAMPLE_INTERVAL=${p.configSampleInterval}`, `CONFIG_KFENCE_NUM_OBJECTS=${p.configNumObjects}`);
    if (p.upstream?.lateEnable) lines.push('# CONFIG_KFENCE_DEFERRABLE is not set');
    lines.push('CONFIG_KFENCE_STRESS_TEST_FAULTS=0', '# CONFIG_KFENCE_KUNIT_TEST is not set');
  }
  return lines.join('\n') + '\n';
}

export function createDisk(p: Profile, id: DiskIdentity, become: 'sudo-nopasswd' | 'sudo-password'): InMemoryFs {
  const d = new Date(Date.UTC(2024, 0, 15));
  const f = (content: string, mode = 0o644) => ({ content, mode, mtime: d });
  const files: Record<string, { content: string; mode: number; mtime: Date }> = {
    '/etc/os-release': f(p.osRelease),
    '/etc/hostname': f(id.hostname + '\n'),
    '/etc/machine-id': f(id.machineId + '\n', 0o444),
    '/etc/passwd': f('root:x:0:0:root:/root:/bin/bash\nsre:x:1000:1000:SRE:/home/sre:/bin/bash\n'),
    '/etc/group': f('root:x:0:\nwheel:x:10:sre\nsre:x:1000:\n'),
    '/etc/shadow': f('root:*:19000:0:99999:7:::\nsre:$6$lab$:19000:0:99999:7:::\n', 0o000),
    '/etc/sudoers': f('root ALL=(ALL) ALL\n%wheel ALL=(ALL) ALL\n#includedir /etc/sudoers.d\n', 0o440),
    '/etc/default/grub': f(`GRUB_TIMEOUT=1\nGRUB_DEFAULT=saved\nGRUB_CMDLINE_LINUX="${p.defaultArgs.replace(/^ro /, '')}"\nGRUB_ENABLE_BLSCFG=true\n`),
    '/usr/lib/systemd/system/sshd.service': f('[Unit]\nDescription=OpenSSH server daemon\n\n[Service]\nExecStart=/usr/sbin/sshd -D\n\n[Install]\nWantedBy=multi-user.target\n'),
    [`/boot/config-${p.release}`]: f(kconfig(p)),
    [`/boot/config-${p.previousRelease}`]: f(kconfig(p)),
    [`/boot/vmlinuz-${p.release}`]: f('\x7fELF lab kernel image\n', 0o755),
    [`/boot/vmlinuz-${p.previousRelease}`]: f('\x7fELF lab kernel image\n', 0o755),
    [`/boot/initramfs-${p.release}.img`]: f('lab initramfs\n', 0o600),
    [`/boot/initramfs-${p.previousRelease}.img`]: f('lab initramfs\n', 0o600),
    [`${ENTRIES_DIR}/${entryId(id, p.release)}.conf`]: f(bls(p, id, p.release)),
    [`${ENTRIES_DIR}/${entryId(id, p.previousRelease)}.conf`]: f(bls(p, id, p.previousRelease)),
    [GRUBENV]: f(`# GRUB Environment Block\nsaved_entry=${entryId(id, p.release)}\nboot_success=0\n`),
    '/var/log/messages': f(''),
    [IMAGE_SYSCTL_FILE]: f([...IMAGE_SYSCTLS].map(([k, v]) => `${k} = ${v}\n`).join('')),
    // kexec-tools' unit (installed, not enabled): it loads the crash kernel into crashkernel= memory.
    '/usr/lib/systemd/system/kdump.service': f('[Unit]\nDescription=Crash recovery kernel arming\nAfter=network.target network-online.target remote-fs.target basic.target\n\n[Service]\nType=oneshot\nExecStart=/usr/bin/kdumpctl start\nRemainAfterExit=yes\n\n[Install]\nWantedBy=multi-user.target\n'),
    '/home/sre/.bashrc': f('# .bashrc\n'),
    '/root/.bashrc': f('# .bashrc\n'),
  };
  if (p.bootloader === 'debian-grub') debianGrubFiles(p, id, files, f);
  const fs = new InMemoryFs(files);
  for (const dir of ['/tmp', '/var/tmp', '/sys', '/proc', '/dev', '/bin', '/usr/bin', '/usr/sbin', '/etc/systemd/system', WANTS_DIR, '/etc/sudoers.d', '/run']) fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync('/etc/sudoers.d/sre', become === 'sudo-password' ? 'sre ALL=(ALL) ALL\n' : 'sre ALL=(ALL) NOPASSWD: ALL\n');
  void fs.symlink('/usr/lib/systemd/system/sshd.service', `${WANTS_DIR}/sshd.service`);
  return fs;
}

/** Debian 12's GRUB files instead of BLS entries and grubby's grubenv (as the real VM image has them). */
function debianGrubFiles(p: Profile, id: DiskIdentity, files: Record<string, { content: string; mode: number; mtime: Date }>, f: (content: string, mode?: number) => { content: string; mode: number; mtime: Date }): void {
  for (const k of Object.keys(files)) if (k.startsWith(ENTRIES_DIR) || k === GRUBENV || k.startsWith('/boot/initramfs-')) delete files[k];
  const defaults = 'GRUB_DEFAULT=0\nGRUB_TIMEOUT=0\nGRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\nGRUB_CMDLINE_LINUX="console=ttyS0,115200 no_timer_check tsc=unstable"\nGRUB_TERMINAL=serial\nGRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"\n';
  files['/etc/default/grub'] = f(defaults);
  files['/etc/fstab'] = f(`UUID=${id.rootUuid}\t/\text4\terrors=remount-ro\t0\t1\n`);
  for (const r of [p.release, p.previousRelease]) files[`/boot/initrd.img-${r}`] = f('lab initramfs\n', 0o644);
  const vars = new Map<string, string>();
  sourceAssignments(defaults, vars);
  const kernels = [p.release, p.previousRelease].sort().reverse();
  files['/boot/grub/grub.cfg'] = f(generateGrubCfg(vars, kernels, id.rootUuid), 0o444);
  files['/boot/grub/grubenv'] = f('# GRUB Environment Block\n' + '#'.repeat(1000) + '\n');
}
