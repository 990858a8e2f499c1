# shellcheck shell=sh
# Runs inside the freshly booted variant (sh): the management NIC is netplan's, through networkd.
set -eu
command -v netplan >/dev/null
test -f /run/systemd/network/10-netplan-ens2.network
test ! -e /etc/systemd/network/10-mgmt.network
networkctl status ens2 2>/dev/null | grep -q '/run/systemd/network/10-netplan-ens2.network'
ip -o -4 addr show dev ens2 | grep -q 10.0.2.15
