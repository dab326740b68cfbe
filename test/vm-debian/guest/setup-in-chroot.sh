#!/bin/sh
# Runs inside the image's tree (mmdebstrap customize hook): users, SSH, sudo, journal, network,
# GRUB defaults, serial console. (/etc/fstab and the initramfs settings are written by the
# essential hook, before the kernel's postinst builds the initramfs.)
#   setup-in-chroot.sh PUBKEY_FILE
set -eu
pubkey=$1

echo kfleet-deb > /etc/hostname
printf '127.0.0.1\tlocalhost\n127.0.1.1\tkfleet-deb\n::1\tlocalhost ip6-localhost ip6-loopback\n' > /etc/hosts

# root logs in with the client key only (Debian's default PermitRootLogin prohibit-password);
# sre logs in with the same key and runs sudo with a password (group sudo).
install -d -m 700 /root/.ssh
install -m 600 "$pubkey" /root/.ssh/authorized_keys
rm -f "$pubkey"
useradd -m -s /bin/bash -G sudo sre
echo 'sre:kfleet-sre-sudo' | chpasswd
echo 'root:kfleet-root-console' | chpasswd
install -d -m 700 -o sre -g sre /home/sre/.ssh
install -m 600 -o sre -g sre /root/.ssh/authorized_keys /home/sre/.ssh/authorized_keys

# Persistent journal (journald's Storage=auto keeps it when the directory exists).
install -d -m 2755 -g systemd-journal /var/log/journal

# DHCP on QEMU's user network through systemd-networkd.
mkdir -p /etc/systemd/network
printf '[Match]\nName=en*\n\n[Network]\nDHCP=ipv4\n' > /etc/systemd/network/10-wired.network
systemctl enable systemd-networkd.service
# Timers that would take dpkg's lock or disk time in the middle of a scenario.
systemctl mask systemd-firstboot.service apt-daily.timer apt-daily-upgrade.timer e2scrub_all.timer fstrim.timer systemd-networkd-wait-online.service 2>/dev/null || true

# GRUB on the serial console; no menu delay. The kernel's console is in GRUB_CMDLINE_LINUX,
# where a kfleet drop-in in /etc/default/grub.d/ appends. no_timer_check: under a loaded TCG host
# the kernel's IO-APIC timer check fails and panics ("IO-APIC + timer doesn't work!").
# tsc=unstable: under TCG the guest's TSC is the host's, and on this (virtual) build machine it
# jumped by ~465000 s between two reads early in boot ("clocksource: Long readout interval ...
# cs_nsec: 465571334905573 wd_nsec: 752571390"): uptime, systemd's timeouts and watchdogs all
# jumped with it (ssh.service and systemd-networkd failed their start, "soft lockup - CPU#0 stuck
# for 433599s"). With the TSC unstable the kernel keeps time with the HPET.
sed -i \
  -e 's/^GRUB_TIMEOUT=.*/GRUB_TIMEOUT=0/' \
  -e 's/^GRUB_CMDLINE_LINUX=.*/GRUB_CMDLINE_LINUX="console=ttyS0,115200 no_timer_check tsc=unstable"/' \
  /etc/default/grub
printf 'GRUB_TERMINAL=serial\nGRUB_SERIAL_COMMAND="serial --unit=0 --speed=115200"\n' >> /etc/default/grub
echo 'grub-pc grub-pc/install_devices multiselect /dev/vda' | debconf-set-selections

chmod 755 /usr/local/sbin/kfleet-image-firstboot
# Every VM from this image gets its own machine id on first boot.
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
apt-get clean
rm -rf /var/lib/apt/lists/*
