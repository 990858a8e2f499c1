#!/usr/bin/env bash
# The fleet benchmark (benchmarks/fleet/bench.py): N loopback sshd hosts; ping, setup, audit.
set -euo pipefail
cd "$(dirname "$0")/../.."
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_COLLECTIONS_PATH="$PWD/.collections" ANSIBLE_HOME="$PWD/.ansible-home"
exec .venv/bin/python benchmarks/fleet/bench.py "$@"
