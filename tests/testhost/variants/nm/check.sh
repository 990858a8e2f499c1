# shellcheck shell=sh
# Runs inside the freshly booted variant (sh): the management NIC is NetworkManager's.
set -eu
systemctl is-active NetworkManager >/dev/null
if systemctl is-active systemd-networkd >/dev/null; then echo "networkd runs"; exit 1; fi
nmcli -t -f DEVICE,STATE,CONNECTION device | grep -qx 'ens2:connected:mgmt'
ip -o -4 addr show dev ens2 | grep -q 10.0.2.15
