#!/usr/bin/env bash
# The Python 2.7 matrix: boot a Debian bullseye VM, point two inventory hosts at it (one with
# python2.7, one with python3.9), and run tests/py27/matrix.py with ansible-core 2.16.
# usage: run.sh VENV_BIN (the ansible-core 2.16 virtualenv's bin directory)
set -euo pipefail
BIN=$(cd "${1:?usage: run.sh VENV_BIN}" && pwd)
cd "$(dirname "$0")/../.."
top=$PWD
out=$top/build/py27
mkdir -p "$out"
name=py27-matrix
vm=$top/tests/testhost/vm.sh
trap '"$vm" stop "$name" >/dev/null 2>&1 || true' EXIT
"$vm" start "$name" --suite bullseye
eval "$("$vm" info "$name" | tr ' ' '\n' | grep -E '^(port|key)=')"
# shellcheck disable=SC2154  # port and key come from vm.sh info
cat >"$out/inventory.yml" <<INV
all:
  vars:
    ansible_host: 127.0.0.1
    ansible_port: $port
    ansible_user: root
    ansible_ssh_private_key_file: $key
    ansible_ssh_common_args: -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR
  hosts:
    bullseye_py27:
      ansible_python_interpreter: /usr/bin/python2.7
    bullseye_py3:
      ansible_python_interpreter: /usr/bin/python3
INV
# (not piped into head: ansible dies of SIGPIPE when head closes early, and pipefail is on)
"$BIN/ansible" --version >"$out/ansible-version.txt"
sed -n 1p "$out/ansible-version.txt"
"$BIN/python" tests/py27/matrix.py "$BIN" "$out/inventory.yml" "$out"
