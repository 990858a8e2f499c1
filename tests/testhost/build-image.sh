#!/usr/bin/env bash
# Build (and cache) a bootable Debian test image for fleetfix.kernel's Molecule scenarios.
#
#   tests/testhost/build-image.sh [bookworm|bullseye|bookworm-netplan|bookworm-nm]
#
# Result, under ${FLEETFIX_CACHE:-~/.cache/fleetfix}/images/<suite>/:
#   disk.qcow2      base image (MBR, one ext4 root partition labelled "rootfs", GRUB in the MBR)
#   vmlinuz, initrd the guest's own kernel and initramfs, for direct kernel boot
#   stamp           hash of the inputs; a changed build script or package list rebuilds
# and the SSH key pair the guests trust: ${FLEETFIX_CACHE}/ssh/id_ed25519.
#
# No loop devices and no mounting of the image: the root filesystem is made with
# `mkfs.ext4 -d`, partitioned with sfdisk, and GRUB is installed from inside a first boot
# of the image (direct kernel boot), because grub-install needs a real block device.
set -euo pipefail

SUITE=${1:-bookworm}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/testhost/common.sh
. "$HERE/common.sh"

# One build of a suite at a time: Molecule scenarios and `make images` start builds side by side,
# and a variant builds its base first. A waiting build finds the image cached when it gets the lock.
mkdir -p "$FLEETFIX_CACHE/images"
exec 8>"$FLEETFIX_CACHE/images/.$SUITE.lock"
flock 8

# A variant (bookworm-netplan, bookworm-nm) is a thin layer over the bookworm image, made by
# tests/testhost/build-variant.sh.
case "$SUITE" in
  *-*) exec "$HERE/build-variant.sh" "$SUITE" ;;
esac

# Two initramfs generators, one per image: bookworm builds its initramfs with dracut (the
# CentOS/RHEL path), bullseye with initramfs-tools (the Debian default). bookworm also carries
# the kernel upgrade of seed story 4: it runs the second-newest kernel ABI of the archive and
# keeps the newest one's package, not installed, under /var/cache/fleetfix/debs.
# bookworm also keeps, not installed, the packages of its variants (tests/testhost/variants): a
# test VM reaches no mirror, so the variant installs them from /var/cache/fleetfix/debs/<package>.
KEEP_DEBS=""
case "$SUITE" in
  bookworm) EXTRA_PKGS="" GENERATOR=dracut KEEP_DEBS="netplan.io network-manager" ;;
  # bullseye is the Python 2.7 target: Debian 11 still ships python2.7 next to python3.9.
  bullseye) EXTRA_PKGS="python2.7-minimal libpython2.7-stdlib" GENERATOR=initramfs-tools ;;
  *) die "unknown suite '$SUITE' (bookworm or bullseye)" ;;
esac

BASE_PKGS="systemd-sysv,udev,openssh-server,python3,iproute2,kmod,$GENERATOR,ifupdown,procps,zstd,cpio,gzip,xz-utils,lz4,grub2-common,fdisk,e2fsprogs,sudo,less"
CHROOT_PKGS="grub-pc dbus libpam-systemd $EXTRA_PKGS"
DISK_MB=${FLEETFIX_DISK_MB:-4096}

# Bump when a change of this script changes what goes into the image; files under image/ and
# the package lists count by themselves.
IMAGE_VERSION=2
OUT="$FLEETFIX_CACHE/images/$SUITE"
STAMP_INPUT="$(echo "image version $IMAGE_VERSION"; find "$HERE/image" -type f | LC_ALL=C sort | xargs cat; echo "$SUITE $BASE_PKGS $CHROOT_PKGS $DISK_MB${KEEP_DEBS:+ keeps $KEEP_DEBS}")"
STAMP=$(printf '%s' "$STAMP_INPUT" | sha256sum | cut -d' ' -f1)

if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ] && [ -f "$OUT/disk.qcow2" ]; then
  log "image $SUITE is cached at $OUT (stamp ${STAMP:0:12})"
  exit 0
fi

[ "$(id -u)" = 0 ] || die "building the image needs root (debootstrap, chroot)"
for tool in debootstrap mkfs.ext4 sfdisk qemu-img qemu-system-x86_64 ssh ssh-keygen; do
  command -v "$tool" >/dev/null || die "missing tool '$tool' (make deps installs it)"
done

ensure_ssh_key
mkdir -p "$OUT"
WORK=$(mktemp -d "$FLEETFIX_CACHE/build-$SUITE.XXXXXX")
ROOT="$WORK/root"
cleanup() {
  for m in dev/pts dev sys proc; do
    if mountpoint -q "$ROOT/$m" 2>/dev/null; then umount -l "$ROOT/$m" || true; fi
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

t0=$(date +%s)
log "debootstrap $SUITE into $ROOT"
debootstrap --variant=minbase --include="$BASE_PKGS" "$SUITE" "$ROOT" "$FLEETFIX_MIRROR" \
  >"$WORK/debootstrap.log" 2>&1 || { tail -30 "$WORK/debootstrap.log" >&2; die "debootstrap failed"; }
log "debootstrap done in $(( $(date +%s) - t0 )) s"

# Files of ours: dracut and GRUB settings, networkd for the management NIC, sshd drop-ins.
cp -a "$HERE/image/." "$ROOT/"
sed -i "s/@SUITE@/$SUITE/g" "$ROOT/etc/hostname" "$ROOT/etc/hosts"
install -d -m 700 "$ROOT/root/.ssh"
install -m 600 "$FLEETFIX_CACHE/ssh/id_ed25519.pub" "$ROOT/root/.ssh/authorized_keys"
echo "LABEL=rootfs / ext4 defaults,errors=remount-ro 0 1" >"$ROOT/etc/fstab"
printf 'deb %s %s main\n' "$FLEETFIX_MIRROR" "$SUITE" >"$ROOT/etc/apt/sources.list"

mount -t proc proc "$ROOT/proc"
mount -t sysfs sys "$ROOT/sys"
mount --bind /dev "$ROOT/dev"
mount --bind /dev/pts "$ROOT/dev/pts"
# Keep services from starting inside the chroot.
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod +x "$ROOT/usr/sbin/policy-rc.d"

# The kernels: the archive's package index (left by debootstrap) names every ABI it carries.
ABIS=$(chroot "$ROOT" apt-cache pkgnames linux-image- | sed -n 's/^linux-image-\([0-9.]*-[0-9]*\)-amd64$/\1/p' | sort -V)
NEWEST=$(echo "$ABIS" | tail -1)
if [ "$SUITE" = bookworm ]; then
  OLDER=$(echo "$ABIS" | tail -2 | head -1)
  if [ -z "$OLDER" ] || [ "$OLDER" = "$NEWEST" ]; then
    die "the archive carries one kernel ABI ($NEWEST); the upgrade story needs two"
  fi
  CHROOT_PKGS="linux-image-$OLDER-amd64 $CHROOT_PKGS"
  UPGRADE_PKG="linux-image-$NEWEST-amd64"
else
  CHROOT_PKGS="linux-image-$NEWEST-amd64 $CHROOT_PKGS"
  UPGRADE_PKG=""
fi

t1=$(date +%s)
log "installing $CHROOT_PKGS"
# shellcheck disable=SC2086  # a list of package names
chroot "$ROOT" /usr/bin/env DEBIAN_FRONTEND=noninteractive LC_ALL=C \
  apt-get install -y -q --no-install-recommends $CHROOT_PKGS >"$WORK/apt.log" 2>&1 \
  || { tail -40 "$WORK/apt.log" >&2; die "package install in the chroot failed"; }
log "packages installed in $(( $(date +%s) - t1 )) s"
if [ -n "$UPGRADE_PKG" ]; then
  chroot "$ROOT" /bin/sh -ec "mkdir -p /var/cache/fleetfix/debs; cd /var/cache/fleetfix/debs; apt-get download -q $UPGRADE_PKG >/dev/null"
  log "kept for the upgrade story: $(ls "$ROOT/var/cache/fleetfix/debs")"
fi
for pkg in $KEEP_DEBS; do
  # What installing it on this very system takes (no recommends), resolved now, installed later.
  chroot "$ROOT" /bin/sh -ec "d=/var/cache/fleetfix/debs/$pkg; mkdir -p \$d/partial
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --download-only --no-install-recommends \
      -o Dir::Cache::archives=\$d $pkg >/dev/null 2>&1; rm -rf \$d/partial \$d/lock; ls \$d/*.deb >/dev/null" \
    || die "downloading $pkg for the variants failed"
  log "kept for a variant: $pkg ($(find "$ROOT/var/cache/fleetfix/debs/$pkg" -name '*.deb' | wc -l) packages, $(du -sh "$ROOT/var/cache/fleetfix/debs/$pkg" | cut -f1))"
done

# Quiet, offline, reproducible guests: nothing reaches out, nothing runs on a timer.
# shellcheck disable=SC2016  # expanded by the chroot's shell
chroot "$ROOT" /bin/sh -ec '
  systemctl enable systemd-networkd >/dev/null 2>&1
  for u in systemd-networkd-wait-online.service apt-daily.timer apt-daily-upgrade.timer \
           e2scrub_all.timer e2scrub_reap.service fstrim.timer man-db.timer \
           systemd-timesyncd.service dpkg-db-backup.timer; do
    systemctl mask "$u" >/dev/null 2>&1 || true
  done
  apt-get clean
  rm -f /etc/ssh/ssh_host_* /usr/sbin/policy-rc.d
  rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
  : > /etc/machine-id
'
KVER=$(find "$ROOT/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -V | tail -1)
[ -n "$KVER" ] || die "no kernel installed in the image"
log "kernel $KVER; initramfs by $GENERATOR: $(du -h "$ROOT/boot/initrd.img-$KVER" | cut -f1)"
cp "$ROOT/boot/vmlinuz-$KVER" "$WORK/vmlinuz"
cp "$ROOT/boot/initrd.img-$KVER" "$WORK/initrd"
echo "$KVER" >"$WORK/kver"

for m in dev/pts dev sys proc; do umount -l "$ROOT/$m"; done

t2=$(date +%s)
log "making the ext4 root filesystem and the disk"
truncate -s "$(( DISK_MB - 1 ))M" "$WORK/part.img"
mkfs.ext4 -q -L rootfs -d "$ROOT" "$WORK/part.img"
truncate -s "${DISK_MB}M" "$WORK/disk.img"
printf 'label: dos\nstart=2048, type=83, bootable\n' | sfdisk -q "$WORK/disk.img"
dd if="$WORK/part.img" of="$WORK/disk.img" bs=1M seek=1 conv=notrunc,sparse status=none
rm -f "$WORK/part.img"
qemu-img convert -O qcow2 "$WORK/disk.img" "$WORK/disk.qcow2"
rm -f "$WORK/disk.img"
rm -rf "$ROOT"
log "disk made in $(( $(date +%s) - t2 )) s"

# First boot, straight into the guest's kernel: put GRUB on the disk from inside.
t3=$(date +%s)
log "first boot: installing GRUB from inside the guest"
FIRST=firstboot-$SUITE-$$
"$HERE/vm.sh" start "$FIRST" --disk "$WORK/disk.qcow2" --kernel-dir "$WORK" --no-overlay
trap '"$HERE/vm.sh" stop "$FIRST" >/dev/null 2>&1 || true; cleanup' EXIT
"$HERE/vm.sh" ssh "$FIRST" '
  set -e
  grub-install --target=i386-pc /dev/vda >/dev/null 2>&1
  update-grub >/dev/null 2>&1
  grep -q "^menuentry" /boot/grub/grub.cfg
  : > /etc/machine-id
  rm -rf /var/log/journal/* /root/.ansible
  rm -f /etc/ssh/ssh_host_*
  sync
  # No new SSH session can start without host keys: power off from this one, in the
  # background so that it can close first.
  nohup sh -c "sleep 1; systemctl poweroff" >/dev/null 2>&1 &
' || die "GRUB install inside the first boot failed"
"$HERE/vm.sh" poweroff "$FIRST"
log "GRUB installed in $(( $(date +%s) - t3 )) s"

mv -f "$WORK/disk.qcow2" "$WORK/vmlinuz" "$WORK/initrd" "$WORK/kver" "$OUT/"
# Which build this is: saved VM states (vm.sh) are tied to it, and a rebuild gets a new one.
cat /proc/sys/kernel/random/uuid >"$OUT/build-id"
echo "$STAMP" >"$OUT/stamp"
log "image $SUITE ready in $(( $(date +%s) - t0 )) s: $OUT ($(du -h "$OUT/disk.qcow2" | cut -f1))"
