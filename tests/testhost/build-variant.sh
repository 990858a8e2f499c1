#!/usr/bin/env bash
# Build (and cache) a variant of the bookworm test image: the base image with one more network
# stack installed from Debian's packages and configuring the management NIC, as fleets have it.
#
#   tests/testhost/build-variant.sh bookworm-netplan|bookworm-nm
#
#   bookworm-netplan  netplan.io with the networkd renderer: the management NIC is configured by
#                     /etc/netplan/50-cloud-init.yaml (match by MAC, set-name), as Ubuntu's cloud
#                     images have it; no .network file of its own.
#   bookworm-nm       NetworkManager: the management NIC is a keyfile profile; systemd-networkd
#                     is disabled; no-auto-default=* (no DHCP on a NIC nobody configured).
#
# The packages come from the base image (build-image.sh keeps them, resolved against it, under
# /var/cache/fleetfix/debs/<package>): a test VM reaches no mirror. Result, under
# ${FLEETFIX_CACHE}/images/<variant>/: disk.qcow2, a qcow2 layer whose backing file is
# ../bookworm/disk.qcow2; the base's vmlinuz, initrd and kver; build-id and stamp (the stamp
# covers the base's build id, so a rebuilt base rebuilds its variants). Before it is cached the
# variant is booted once more and must answer SSH with its management NIC where its stack put it.
# build-image.sh runs this for a suite with a dash (and holds that suite's build lock).
set -euo pipefail

VARIANT=${1:?usage: build-variant.sh bookworm-netplan|bookworm-nm}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tests/testhost/common.sh
. "$HERE/common.sh"

case "$VARIANT" in
  bookworm-netplan) BASE=bookworm PKG=netplan.io FILES=netplan ;;
  bookworm-nm) BASE=bookworm PKG=network-manager FILES=nm ;;
  *) die "unknown variant '$VARIANT' (bookworm-netplan or bookworm-nm)" ;;
esac

"$HERE/build-image.sh" "$BASE"
BASE_DIR="$FLEETFIX_CACHE/images/$BASE"
OUT="$FLEETFIX_CACHE/images/$VARIANT"
VARIANT_VERSION=1
STAMP=$( { echo "variant version $VARIANT_VERSION $VARIANT $PKG"; cat "$BASE_DIR/stamp" "$BASE_DIR/build-id";
           cat "$0"; find "$HERE/variants/$FILES" -type f | LC_ALL=C sort | xargs cat; } | sha256sum | cut -d' ' -f1)
if [ -f "$OUT/stamp" ] && [ "$(cat "$OUT/stamp")" = "$STAMP" ] && [ -f "$OUT/disk.qcow2" ]; then
  log "image $VARIANT is cached at $OUT (stamp ${STAMP:0:12})"
  exit 0
fi

t0=$(date +%s)
mkdir -p "$OUT"
WORK=$(mktemp -d "$FLEETFIX_CACHE/build-$VARIANT.XXXXXX")
NAME=variant-$VARIANT-$$
CHECK=check-$VARIANT-$$
cleanup() {
  "$HERE/vm.sh" stop "$NAME" >/dev/null 2>&1 || true
  "$HERE/vm.sh" stop "$CHECK" >/dev/null 2>&1 || true
  rm -rf "$WORK"
}
trap cleanup EXIT

qemu-img create -q -f qcow2 -F qcow2 -b "$BASE_DIR/disk.qcow2" "$WORK/disk.qcow2"
log "installing $PKG into a layer over the $BASE image"
"$HERE/vm.sh" start "$NAME" --disk "$WORK/disk.qcow2" --kernel-dir "$BASE_DIR" --no-overlay
tar -C "$HERE/variants/$FILES/root" --owner=0 --group=0 -cf - . | "$HERE/vm.sh" ssh "$NAME" 'tar -C / --no-same-permissions --no-overwrite-dir -xf -'
"$HERE/vm.sh" ssh "$NAME" "PKG=$PKG sh -s" <"$HERE/variants/$FILES/setup.sh" \
  || die "setting up $VARIANT inside the guest failed"
"$HERE/vm.sh" ssh "$NAME" '
  set -e
  : > /etc/machine-id
  rm -rf /var/log/journal/* /root/.ansible
  rm -f /etc/ssh/ssh_host_*
  sync
  nohup sh -c "sleep 1; systemctl poweroff" >/dev/null 2>&1 &
'
"$HERE/vm.sh" poweroff "$NAME"

# The proof before it is cached: boot it (on a throw-away layer) and reach it over SSH.
log "booting $VARIANT once to check it"
qemu-img create -q -f qcow2 -F qcow2 -b "$WORK/disk.qcow2" "$WORK/check.qcow2"
"$HERE/vm.sh" start "$CHECK" --disk "$WORK/check.qcow2" --kernel-dir "$BASE_DIR" --no-overlay \
  || die "$VARIANT does not come up with its own network stack"
"$HERE/vm.sh" ssh "$CHECK" "PKG=$PKG sh -s" <"$HERE/variants/$FILES/check.sh" \
  || die "$VARIANT came up, but its management NIC is not configured by its own stack"
"$HERE/vm.sh" stop "$CHECK" >/dev/null 2>&1

mv -f "$WORK/disk.qcow2" "$OUT/disk.qcow2"
# Relative, so that the cache directory can move.
qemu-img rebase -u -f qcow2 -F qcow2 -b "../$BASE/disk.qcow2" "$OUT/disk.qcow2"
cp "$BASE_DIR/vmlinuz" "$BASE_DIR/initrd" "$BASE_DIR/kver" "$OUT/"
cat /proc/sys/kernel/random/uuid >"$OUT/build-id"
echo "$STAMP" >"$OUT/stamp"
log "image $VARIANT ready in $(( $(date +%s) - t0 )) s: $OUT ($(du -h "$OUT/disk.qcow2" | cut -f1) over $BASE)"
