#!/bin/bash
# Builds the Debian 12 disk image of the real-distribution VM tier (see ../README.md).
#   build-image.sh OUT_DIR DEFAULT_KERNEL_PKG SECOND_KERNEL_PKG CLIENT_PUBKEY MIRROR_LINE...
# Writes OUT_DIR/disk.raw (MBR, one ext4 partition, GRUB installed by the guest itself on its own
# disk), OUT_DIR/image.json and OUT_DIR/console-firstboot.log. Needs root, mmdebstrap, sfdisk,
# mke2fs, qemu-system-x86_64. No loop device and no mount: mmdebstrap fills a directory,
# mke2fs -d turns it into a filesystem image, sfdisk partitions a plain file, and the first boot
# (QEMU -kernel/-initrd from the tree) runs grub-install /dev/vda + update-grub and powers off.
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

# The root filesystem's UUID is fixed so /etc/fstab and GRUB agree before GRUB ever ran.
uuid=6b1f0c1e-4b6e-4f53-9c1a-6b666c656574

mirrors=()
for m in "$@"; do mirrors+=("$m"); done

mkdir -p "$work/debs"
(cd "$work/debs" && apt-get download "$k2" >/dev/null)
k2deb=$(ls "$work/debs"/*.deb)

echo "mmdebstrap: bookworm minbase + systemd, openssh-server, sudo, grub-pc, $k1" >&2
mmdebstrap --variant=minbase --mode=root --format=directory \
  --include="systemd-sysv,udev,dbus,openssh-server,sudo,grub-pc,initramfs-tools,zstd,kmod,procps,iproute2,util-linux,libpam-systemd,$k1" \
  --essential-hook='mkdir -p "$1/etc/initramfs-tools/conf.d"; echo COMPRESS=zstd > "$1/etc/initramfs-tools/conf.d/kfleet-compress"' \
  --customize-hook="copy-in $guest/setup-in-chroot.sh /root" \
  --customize-hook="copy-in $pubkey /root" \
  --customize-hook="mkdir -p \"\$1/var/cache/kfleet\"" \
  --customize-hook="copy-in $k2deb /var/cache/kfleet" \
  --customize-hook="copy-in $guest/kfleet-image-grub.service /etc/systemd/system" \
  --customize-hook="copy-in $guest/kfleet-image-firstboot /usr/local/sbin" \
  --customize-hook="chroot \"\$1\" sh /root/setup-in-chroot.sh $uuid /root/$(basename "$pubkey") $(basename "$k2deb")" \
  bookworm "$root" "${mirrors[@]}"
t1=$(date +%s)

kver=$(ls "$root/boot" | sed -n 's/^vmlinuz-//p' | head -1)
cp "$root/boot/vmlinuz-$kver" "$work/vmlinuz"
cp "$root/boot/initrd.img-$kver" "$work/initrd"

echo "mke2fs -d + sfdisk" >&2
size_mb=3072
mke2fs -q -t ext4 -L kfleet-root -U "$uuid" -d "$root" "$work/part.img" "$((size_mb - 1))M"
truncate -s "${size_mb}M" "$work/disk.raw"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$work/disk.raw"
dd if="$work/part.img" of="$work/disk.raw" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$work/part.img"
t2=$(date +%s)

echo "first boot: grub-install /dev/vda, update-grub, poweroff" >&2
timeout 900 qemu-system-x86_64 -accel tcg -m 1024 -smp 1 -nographic -no-reboot \
  -kernel "$work/vmlinuz" -initrd "$work/initrd" \
  -append "root=/dev/vda1 ro console=ttyS0,115200 no_timer_check systemd.show_status=1" \
  -drive "file=$work/disk.raw,format=raw,if=virtio" -nic none \
  -serial "file:$out/console-firstboot.log" -monitor none </dev/null
grep -q KFLEET-IMAGE-GRUB-OK "$out/console-firstboot.log" || { echo "first boot did not install GRUB; see $out/console-firstboot.log" >&2; exit 1; }
t3=$(date +%s)

mv "$work/disk.raw" "$out/disk.raw"
cat >"$out/image.json" <<EOF
{"defaultKernel":"$kver","secondKernelDeb":"/var/cache/kfleet/$(basename "$k2deb")","rootUuid":"$uuid",
 "seconds":{"mmdebstrap":$((t1 - t0)),"disk":$((t2 - t1)),"firstBoot":$((t3 - t2)),"total":$((t3 - t0))}}
EOF
rm -rf "$work"
echo "image ready: $out/disk.raw ($((t3 - t0)) s)" >&2
