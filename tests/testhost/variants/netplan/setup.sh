# shellcheck shell=sh
# Runs inside the guest (sh), from build-variant.sh: install netplan.io and make it the owner of
# the management NIC. PKG names the package kept under /var/cache/fleetfix/debs.
set -eu
dpkg -i /var/cache/fleetfix/debs/"$PKG"/*.deb >/tmp/dpkg.log 2>&1 || { tail -30 /tmp/dpkg.log; exit 1; }
rm -rf /var/cache/fleetfix/debs/netplan.io /var/cache/fleetfix/debs/network-manager
# netplan 0.106 warns about YAML that group or others can read (it may hold secrets).
chmod 600 /etc/netplan/*.yaml
rm -f /etc/systemd/network/10-mgmt.network
# What the boot-time generator will make of it; a configuration netplan rejects fails the build.
netplan generate
test -f /run/systemd/network/10-netplan-ens2.network
systemctl is-enabled systemd-networkd >/dev/null
