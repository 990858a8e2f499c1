# shellcheck shell=sh
# Runs inside the guest (sh), from build-variant.sh: install NetworkManager and make it the owner
# of the management NIC, networkd off. PKG names the package kept under /var/cache/fleetfix/debs.
set -eu
# Installing it must not start it here: this SSH session runs over networkd's address.
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
dpkg -i /var/cache/fleetfix/debs/"$PKG"/*.deb >/tmp/dpkg.log 2>&1 || { rm -f /usr/sbin/policy-rc.d; tail -30 /tmp/dpkg.log; exit 1; }
rm -f /usr/sbin/policy-rc.d
rm -rf /var/cache/fleetfix/debs/netplan.io /var/cache/fleetfix/debs/network-manager
chmod 600 /etc/NetworkManager/system-connections/*.nmconnection
rm -f /etc/systemd/network/10-mgmt.network
systemctl disable systemd-networkd.service systemd-networkd.socket >/dev/null 2>&1
systemctl enable NetworkManager.service >/dev/null 2>&1
# Waiting for "online" holds the boot up for nothing here (nothing needs the network to start).
systemctl mask NetworkManager-wait-online.service >/dev/null 2>&1
NetworkManager --print-config >/dev/null
