# Shared settings of the test-host scripts (sourced, not run).
# shellcheck shell=bash
FLEETFIX_CACHE=${FLEETFIX_CACHE:-$HOME/.cache/fleetfix}
FLEETFIX_MIRROR=${FLEETFIX_MIRROR:-http://deb.debian.org/debian}
FLEETFIX_SSH_KEY="$FLEETFIX_CACHE/ssh/id_ed25519"
# Running instances live under a directory of their own per checkout, so that two checkouts
# on one machine (a developer's and CI's clone) never see, reuse or stop each other's VMs.
_fleetfix_top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FLEETFIX_RUN=${FLEETFIX_RUN:-$FLEETFIX_CACHE/run/$(printf '%s' "$_fleetfix_top" | sha256sum | cut -c1-10)}
# The management NIC of every test VM has this MAC; the guest's networkd matches on it.
# shellcheck disable=SC2034  # used by vm.sh
FLEETFIX_MGMT_MAC=52:54:00:f1:ee:01

log() { printf '[testhost %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf '[testhost] ERROR: %s\n' "$*" >&2; exit 1; }

ensure_ssh_key() {
  mkdir -p "$(dirname "$FLEETFIX_SSH_KEY")"
  chmod 700 "$(dirname "$FLEETFIX_SSH_KEY")"
  # two image builds may start side by side: one makes the key, the other waits for it
  (
    flock 9
    if [ ! -f "$FLEETFIX_SSH_KEY" ]; then
      ssh-keygen -q -t ed25519 -N '' -C fleetfix-testhost -f "$FLEETFIX_SSH_KEY"
    fi
  ) 9>"$FLEETFIX_SSH_KEY.lock"
}

# Options for talking to a throw-away guest on a loopback port: every instance has fresh
# host keys, so nothing is recorded in known_hosts.
ssh_opts() {
  printf '%s\n' -i "$FLEETFIX_SSH_KEY" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
    -o LogLevel=ERROR -o ConnectTimeout=5 -o BatchMode=yes -o IdentitiesOnly=yes
}
