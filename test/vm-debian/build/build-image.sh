#!/bin/bash
# Builds the Debian 12 disk image of the real-distribution VM tier (see ../README.md).
#   build-image.sh OUT_DIR DEFAULT_KERNEL_PKG SECOND_KERNEL_PKG CLIENT_PUBKEY MIRROR_LINE...
# Writes OUT_DIR/disk.raw (MBR, one ext4 partition, GRUB installed by the guest itself on its own
# disk), OUT_DIR/image.json and OUT_DIR/console-firstboot.log. Needs root, mmdebstrap, sfdisk,
# mke2fs, qemu-system-x86_64. No loop device and no mount: mmdebstrap fills a directory,
# mke2fs -d turns it into a filesystem image, sfdisk partitions a plain file, and the first boot
# (QEMU -kernel/-initrd from the tree, init= a script, no systemd) runs grub-install /dev/vda +
# update-grub and powers off. Every step prints its time ("step NAME N s").
set -euo pipefail
out=$1 k1=$2 k2=$3 pubkey=$4
shift 4
here=$(cd "$(dirname "$0")" && pwd)
guest=$here/../guest
work=$out/work
root=$work/root
rm -rf "$work"
mkdir -p "$work" "$out"
t0=$(date +%s)
last=$t0
declare -A secs
step() { local now; now=$(date +%s); secs[$1]=$((now - last)); echo "step $1 $((now - last)) s" >&2; last=$now; }

# The root filesystem's UUID is fixed so /etc/fstab and GRUB agree before GRUB ever ran.
uuid=6b1f0c1e-4b6e-4f53-9c1a-6b666c656574

mirrors=()
for m in "$@"; do mirrors+=("$m"); done

# The second kernel's .deb (installed by the kernel-update scenario inside the VM) downloads while
# mmdebstrap runs.
mkdir -p "$work/debs"
(cd "$work/debs" && apt-get download "$k2" >/dev/null) &
dl=$!

# The initramfs is built once per kernel, by the kernel's own postinst (and once more by
# initramfs-tools' trigger), so its settings are in place before the kernel is installed
# (essential hook): MODULES=list with the modules this VM needs (virtio disk, ext4) instead of
# Debian's MODULES=most (minutes per build under load, a 30 MB initramfs every boot decompresses
# under TCG), the list in modules.d (not /etc/initramfs-tools/modules: a conffile dpkg would
# ask about); zstd. /etc/fstab too, so the initramfs' fsck hook sees the root filesystem.
# dpkg's fsyncs are pointless in a directory that becomes an image: force-unsafe-io.
echo "mmdebstrap: bookworm minbase + systemd, openssh-server, sudo, grub-pc, $k1" >&2
mmdebstrap --variant=minbase --mode=root --format=directory \
  --dpkgopt=force-unsafe-io \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --include="systemd-sysv,udev,dbus,openssh-server,sudo,grub-pc,initramfs-tools,zstd,kmod,procps,iproute2,util-linux,libpam-systemd,$k1" \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d"; printf "MODULES=list\nCOMPRESS=zstd\n" > "$1/etc/initramfs-tools/conf.d/kfleet-image"; mkdir -p "$1/usr/share/initramfs-tools/modules.d"; printf "virtio_pci\nvirtio_blk\next4\ncrc32c\n" > "$1/usr/share/initramfs-tools/modules.d/kfleet-image"' \
  --essential-hook="printf 'UUID=%s\\t/\\text4\\terrors=remount-ro\\t0\\t1\\n' $uuid > \"\$1/etc/fstab\"" \
  --essential-hook='echo "step essential-installed $(date +%s)" >&2' \
  --customize-hook='echo "step packages-installed $(date +%s)" >&2' \
  --customize-hook="copy-in $guest/setup-in-chroot.sh /root" \
  --customize-hook="copy-in $pubkey /root" \
  --customize-hook="copy-in $guest/kfleet-image-firstboot /usr/local/sbin" \
  --customize-hook="chroot \"\$1\" sh /root/setup-in-chroot.sh /root/$(basename "$pubkey")" \
  bookworm "$root" "${mirrors[@]}"
step mmdebstrap
wait $dl
k2deb=$(ls "$work/debs"/*.deb)
mkdir -p "$root/var/cache/kfleet"
cp "$k2deb" "$root/var/cache/kfleet/"
step second-kernel-deb

kver=$(ls "$root/boot" | sed -n 's/^vmlinuz-//p' | head -1)
cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/initrd"
echo "initramfs: $(du -k "$work/initrd" | cut -f1) KiB (MODULES=list)" >&2

size_mb=3072
mke2fs -q -t ext4 -L kfleet-root -U "$uuid" -d "$root" "$work/part.img" "$((size_mb - 1))M"
truncate -s "${size_mb}M" "$work/disk.raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$work/disk.raw"
dd if="$work/part.img" of="$work/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$work/part.img"
step disk

echo "first boot (init=kfleet-image-firstboot): grub-install /dev/vda, update-grub, power off" >&2
timeout 900 qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nographic -no-reboot \
  -kernel "$work/vmlinuz" -initrd "$work/initrd" \
  -append "root=/dev/vda1 rw console=ttyS0,115200 no_timer_check tsc=unstable panic=1 init=/usr/local/sbin/kfleet-image-firstboot" \
  -drive "file=$work/disk.raw,format=raw,if=virtio" -nic none \
  -serial "file:$out/console-firstboot.log" -monitor none </dev/null
grep -a 'KFLEET-IMAGE-T' "$out/console-firstboot.log" >&2 || true
grep -aq KFLEET-IMAGE-GRUB-OK "$out/console-firstboot.log" || { echo "first boot did not install GRUB; see $out/console-firstboot.log" >&2; tail -40 "$out/console-firstboot.log" >&2; exit 1; }
step first-boot

mv "$work/disk.raw" "$out/disk.raw"
t3=$(date +%s)
cat >"$out/image.json" <<JSON
{"defaultKernel":"$kver","secondKernelDeb":"/var/cache/kfleet/$(basename "$k2deb")","rootUuid":"$uuid",
 "seconds":{"mmdebstrap":${secs[mmdebstrap]},"disk":${secs[disk]},"firstBoot":${secs[first-boot]},"total":$((t3 - t0))}}
JSON
rm -rf "$work"
echo "image ready: $out/disk.raw ($((t3 - t0)) s)" >&2
