// kfleet's boot-time unit: a systemd service that re-applies, at every boot, what the kernel
// command line cannot carry (per-slab selection, and on Alinux order0_page/fault where asked).
import type { BootUnitChange } from '../plan/types.js';
import { shq } from '../shell-quote.js';
import { BOOT_UNIT_SCRIPT_PATH, BOOT_UNIT_SERVICE_PATH } from '../plan/boot-unit.js';

export const UNIT_NAME = 'kfleet-kfence.service';
export const UNIT_PATH = BOOT_UNIT_SERVICE_PATH;
export const BOOT_SCRIPT_PATH = BOOT_UNIT_SCRIPT_PATH;

export const UNIT_TEXT = `[Unit]
Description=kfleet: re-apply KFENCE settings the kernel command line cannot carry
DefaultDependencies=no
After=sys-kernel-debug.mount systemd-modules-load.service
Before=sysinit.target

[Service]
Type=oneshot
ExecStart=/bin/sh ${BOOT_SCRIPT_PATH}
RemainAfterExit=yes

[Install]
WantedBy=multi-user.target
`;

/** Install: script and unit written atomically, unit enabled; then the script's hash is printed for the read-back. */
export function buildUnitScript(change: BootUnitChange): string {
  const lines = ['PATH=/usr/sbin:/usr/bin:/sbin:/bin', 'set -e'];
  if (change.action === 'install') {
    const script64 = Buffer.from(change.script, 'utf8').toString('base64');
    const unit64 = Buffer.from(UNIT_TEXT, 'utf8').toString('base64');
    lines.push(
      'mkdir -p /etc/kfleet',
      `printf '%s' ${shq(script64)} | base64 -d > ${BOOT_SCRIPT_PATH}.new`,
      `chmod 0755 ${BOOT_SCRIPT_PATH}.new`,
      `mv -f ${BOOT_SCRIPT_PATH}.new ${BOOT_SCRIPT_PATH}`,
      `printf '%s' ${shq(unit64)} | base64 -d > ${UNIT_PATH}.new`,
      `mv -f ${UNIT_PATH}.new ${UNIT_PATH}`,
      'systemctl daemon-reload',
      `systemctl enable ${UNIT_NAME} >/dev/null 2>&1 || systemctl enable ${UNIT_NAME}`,
      `printf '@@kfleet-unit-hash %s\\n' "$(sha256sum ${BOOT_SCRIPT_PATH} | cut -d' ' -f1)"`,
    );
  } else {
    lines.push(
      `systemctl disable ${UNIT_NAME} >/dev/null 2>&1 || true`,
      `rm -f ${UNIT_PATH} ${BOOT_SCRIPT_PATH}`,
      'systemctl daemon-reload',
      `if [ -e ${BOOT_SCRIPT_PATH} ]; then printf '@@kfleet-unit-hash present\\n'; else printf '@@kfleet-unit-hash none\\n'; fi`,
    );
  }
  return lines.join('\n') + '\n';
}

export function parseUnitHash(stdout: string): string | null {
  const m = /^@@kfleet-unit-hash (\S+)\s*$/m.exec(stdout);
  return m?.[1] ?? null;
}
