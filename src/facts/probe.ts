// The facts probe: ONE POSIX sh script, run over one channel with become, that prints everything
// HostFacts needs in a line format parse.ts reads. It runs in dash, bash, busybox ash and the lab's
// just-bash: no bashisms, no `local`, no arrays, no $'..'; for-loops over globs, head/sed/printf.
// Every read is bounded and tolerant: a missing file prints nothing, an unreadable one prints `u`.
// It never reads /sys/kernel/debug/kfence/objects (131071 entries per GiB of pool).
//
// Output format (one record per line; TAB separates the fields; keys never contain TAB or newline):
//   @@kfleet-probe 1                  first line
//   v<TAB>key<TAB>value               a single-line value (the first line of a file or command)
//   u<TAB>key                         the file exists but could not be read
//   @@begin<TAB>key                   a multi-line value: each following line is prefixed with `|`
//   |line ...
//   @@end
//   @@kfleet-probe-end                last line (its absence means truncated output)
// Keys: missing/<tool> uname-r uname-m page-size page-size-kb uid user os-release meminfo node-online node-possible boot-id
// uptime cmdline grubby grubby-default grubby-info grub-update grub-vars grub-dropin grub-saved-entry
// grub-cfg kernel-install kernel-cmdline bls-entries kfence-module param/<n> param-mode/<n>
// param-ls/<n> debugfs stats config slab-ke/<s> slab-sk/<s> slab-obj/<s> slab-alias/<s>
// slab-size/<s> lockdown container container-file sys-ro boot-unit boot-hash slabs-truncated.
//
// For tests, every path is read under "${KFLEET_ROOT}" (default empty: the real root).
// (just-bash, the lab's shell, returns nothing for \`$("$@")\` inside a function: commands are
// therefore called by name, never through "$@".)

import { TRIAL_FACTS_COMMAND } from './reads/trial-facts.js';
import { shq } from '../shell-quote.js';
import { GRUB_CFG_PATH, GRUB_DROPIN_PATH, KERNEL_CMDLINE_PATH } from '../bootloader/types.js';
import { GRUB_CFG_FILTER } from '../bootloader/grub-cfg.js';

export const PROBE_VERSION = 1;
export const BOOT_UNIT_PATH = '/etc/systemd/system/kfleet-kfence.service';
export const BOOT_SCRIPT_PATH = '/etc/kfleet/kfence-boot.sh';
/** At most this many /sys/kernel/slab entries are reported (a real host has a few hundred). */
export const MAX_SLABS = 4096;

export const PROBE_SCRIPT = `R="\${KFLEET_ROOT:-}"
LC_ALL=C
export LC_ALL
NL='
'
printf '@@kfleet-probe ${PROBE_VERSION}\\n'
one() {
  if [ -e "$2" ]; then
    if v=$(head -c 4096 "$2" 2>/dev/null); then printf 'v\\t%s\\t%s\\n' "$1" "\${v%%"$NL"*}"; else printf 'u\\t%s\\n' "$1"; fi
  fi
}
blk() {
  if [ -e "$2" ]; then
    if v=$(head -c "$3" "$2" 2>/dev/null); then
      printf '@@begin\\t%s\\n' "$1"
      printf '%s\\n' "$v" | sed 's/^/|/'
      printf '@@end\\n'
    else printf 'u\\t%s\\n' "$1"; fi
  fi
}
# rd: the first line of a sysfs attribute with the shell's own read (no fork per file; the kernel
# bounds an attribute to one page). A file that cannot be opened, or read nothing although its size
# is not 0 (a read error; sysfs files report 4096), prints \`u\`; an empty regular file an empty value.
rd() {
  if [ -e "$2" ]; then
    v=
    x=u
    { x=v; IFS= read -r v || [ -n "$v" ] || [ ! -s "$2" ] || x=u; } 2>/dev/null <"$2"
    if [ "$x" = v ]; then printf 'v\\t%s\\t%s\\n' "$1" "$v"; else printf 'u\\t%s\\n' "$1"; fi
  fi
}
put() {
  printf 'v\\t%s\\t%s\\n' "$1" "\${2%%"$NL"*}"
}
for t in uname getconf; do command -v "$t" >/dev/null 2>&1 || printf 'v\\tmissing/%s\\t1\\n' "$t"; done
rel=$(uname -r 2>/dev/null)
put uname-r "$rel"
v=$(uname -m 2>/dev/null) && put uname-m "$v"
if v=$(getconf PAGESIZE 2>/dev/null) && [ -n "$v" ]; then put page-size "$v"
else
  # No getconf (a busybox system): the kernel's page size of this very process, from smaps.
  v=$(sed -n 's/^KernelPageSize:[[:space:]]*\\([0-9][0-9]*\\) kB$/\\1/p' "$R/proc/self/smaps" 2>/dev/null | head -n 1) && [ -n "$v" ] && put page-size-kb "$v"
fi
v=$(id -u 2>/dev/null) && put uid "$v"
v=$(whoami 2>/dev/null) && put user "$v"
if [ -e "$R/etc/os-release" ]; then blk os-release "$R/etc/os-release" 8192; else blk os-release "$R/usr/lib/os-release" 8192; fi
blk meminfo "$R/proc/meminfo" 16384
one node-online "$R/sys/devices/system/node/online"
one node-possible "$R/sys/devices/system/node/possible"
one boot-id "$R/proc/sys/kernel/random/boot_id"
one uptime "$R/proc/uptime"
one cmdline "$R/proc/cmdline"
if command -v grubby >/dev/null 2>&1; then
  printf 'v\\tgrubby\\t1\\n'
  v=$(grubby --default-kernel 2>/dev/null) && put grubby-default "$v"
  if v=$(grubby --info=ALL 2>/dev/null | head -c 262144); then
    printf '@@begin\\tgrubby-info\\n'
    printf '%s\\n' "$v" | sed 's/^/|/'
    printf '@@end\\n'
  fi
else
  printf 'v\\tgrubby\\t0\\n'
fi
# Debian/Ubuntu GRUB: the generator, GRUB_CMDLINE_LINUX(_DEFAULT) and GRUB_DEFAULT as update-grub
# sees them without kfleet's drop-in (sourced in a subshell, as update-grub does), the drop-in,
# grubenv's saved_entry and the generated config's menu/linux lines.
if command -v update-grub >/dev/null 2>&1; then put grub-update update-grub
elif command -v grub-mkconfig >/dev/null 2>&1; then put grub-update grub-mkconfig
fi
if [ -e "$R/etc/default/grub" ]; then
  if v=$( (
    . "$R/etc/default/grub"
    for f in "$R"/etc/default/grub.d/*.cfg; do
      [ -e "$f" ] && [ "$f" != "$R${GRUB_DROPIN_PATH}" ] && . "$f"
    done
    printf '%s\\n%s\\n%s\\n' "$GRUB_CMDLINE_LINUX" "$GRUB_CMDLINE_LINUX_DEFAULT" "\${GRUB_DEFAULT:-0}"
  ) 2>/dev/null </dev/null); then
    printf '@@begin\\tgrub-vars\\n'
    printf '%s\\n' "$v" | sed 's/^/|/'
    printf '@@end\\n'
  fi
  blk grub-dropin "$R${GRUB_DROPIN_PATH}" 4096
  if [ -e "$R/boot/grub/grubenv" ]; then
    v=$(sed -n 's/^saved_entry=//p' "$R/boot/grub/grubenv" 2>/dev/null) && [ -n "$v" ] && put grub-saved-entry "$v"
  fi
  if [ -e "$R${GRUB_CFG_PATH}" ]; then
    if v=$(grep -E ${shq(GRUB_CFG_FILTER)} "$R${GRUB_CFG_PATH}" 2>/dev/null | head -c 262144); then
      printf '@@begin\\tgrub-cfg\\n'
      printf '%s\\n' "$v" | sed 's/^/|/'
      printf '@@end\\n'
    else printf 'u\\tgrub-cfg\\n'; fi
  fi
fi
# systemd-boot / kernel-install: /etc/kernel/cmdline and the Boot Loader Specification entries.
if command -v kernel-install >/dev/null 2>&1; then
  put kernel-install 1
  blk kernel-cmdline "$R${KERNEL_CMDLINE_PATH}" 4096
  for d in "$R/boot/loader/entries" "$R/efi/loader/entries" "$R/boot/efi/loader/entries"; do
    [ -d "$d" ] || continue
    printf '@@begin\\tbls-entries\\n'
    for f in "$d"/*.conf; do
      [ -e "$f" ] || continue
      printf '|@@entry %s\\n' "\${f#"$R"}"
      head -c 4096 "$f" | sed 's/^/|/'
    done
    printf '@@end\\n'
    break
  done
fi
if [ -d "$R/sys/module/kfence" ]; then printf 'v\\tkfence-module\\t1\\n'; else printf 'v\\tkfence-module\\t0\\n'; fi
for f in "$R"/sys/module/kfence/parameters/*; do
  [ -e "$f" ] && one "param/\${f##*/}" "$f"
done
# Every parameter's mode from one stat (or one ls -ld): one process, not one per parameter.
if [ -d "$R/sys/module/kfence/parameters" ]; then
  o=$IFS
  if m=$(stat -c '%a %n' "$R"/sys/module/kfence/parameters/* 2>/dev/null); then t=param-mode
  elif m=$(ls -ld "$R"/sys/module/kfence/parameters/* 2>/dev/null); then t=param-ls
  else m=
  fi
  set -f
  IFS=$NL
  for l in $m; do printf 'v\\t%s/%s\\t%s\\n' "$t" "\${l##*/}" "\${l%% *}"; done
  IFS=$o
  set +f
fi
if grep -q '^[^ ]* /sys/kernel/debug debugfs ' "$R/proc/mounts" 2>/dev/null || [ -d "$R/sys/kernel/debug/kfence" ]; then
  printf 'v\\tdebugfs\\t1\\n'
else
  printf 'v\\tdebugfs\\t0\\n'
fi
blk stats "$R/sys/kernel/debug/kfence/stats" 16384
if [ -n "$rel" ] && [ -e "$R/boot/config-$rel" ]; then
  if v=$(grep -E '^CONFIG_(KFENCE|KASAN|PGTABLE_LEVELS=)' "$R/boot/config-$rel" 2>/dev/null | head -c 4096); then
    printf '@@begin\\tconfig\\n'
    printf '%s\\n' "$v" | sed 's/^/|/'
    printf '@@end\\n'
  else
    if [ -r "$R/boot/config-$rel" ]; then printf '@@begin\\tconfig\\n@@end\\n'; else printf 'u\\tconfig\\n'; fi
  fi
fi
i=0
for d in "$R"/sys/kernel/slab/*; do
  [ -e "$d" ] || [ -L "$d" ] || continue
  i=$((i + 1))
  if [ "$i" -gt ${MAX_SLABS} ]; then printf 'v\\tslabs-truncated\\t1\\n'; break; fi
  n="\${d##*/}"
  if [ -L "$d" ]; then
    t=$(readlink "$d" 2>/dev/null)
    printf 'v\\tslab-alias/%s\\t%s\\n' "$n" "\${t##*/}"
    continue
  fi
  if [ -e "$d/kfence_enable" ]; then rd "slab-ke/$n" "$d/kfence_enable"
  elif [ -e "$d/skip_kfence" ]; then rd "slab-sk/$n" "$d/skip_kfence"
  fi
  rd "slab-obj/$n" "$d/objects"
  rd "slab-size/$n" "$d/object_size"
done
# Where this runs: a container (KFENCE and reboots belong to the host), /sys read-only, lockdown.
one lockdown "$R/sys/kernel/security/lockdown"
one container "$R/run/systemd/container"
if [ -e "$R/.dockerenv" ]; then printf 'v\\tcontainer-file\\tdocker\\n'; elif [ -e "$R/run/.containerenv" ]; then printf 'v\\tcontainer-file\\tpodman\\n'; fi
if grep -q '^[^ ]* /sys sysfs ro[, ]' "$R/proc/mounts" 2>/dev/null; then printf 'v\\tsys-ro\\t1\\n'; fi
if [ -e "$R${BOOT_UNIT_PATH}" ]; then printf 'v\\tboot-unit\\t1\\n'; else printf 'v\\tboot-unit\\t0\\n'; fi
if [ -e "$R${BOOT_SCRIPT_PATH}" ]; then
  if h=$(sha256sum "$R${BOOT_SCRIPT_PATH}" 2>/dev/null); then
    set -- $h
    printf 'v\\tboot-hash\\t%s\\n' "$1"
  else printf 'u\\tboot-hash\\n'; fi
fi
printf '@@begin\\ttrial\\n'
{
${TRIAL_FACTS_COMMAND}
} 2>/dev/null | sed 's/^/|/'
printf '@@end\\n'
printf '@@kfleet-probe-end\\n'
`;

/** The command that runs the probe under the POSIX sh, whatever the login shell is. */
export function probeCommand(): string {
  return `sh -c ${shq(PROBE_SCRIPT)}`;
}
