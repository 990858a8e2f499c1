#!/usr/bin/env bash
# ansible-test sanity needs the collection at ansible_collections/<ns>/<name>; there is no
# Docker engine here, so it runs against the local Python (ansible-test makes its own
# virtualenvs for the tests that pin requirements). The copy holds what git tracks plus
# new files not ignored, exactly what a clean clone would hold.
set -euo pipefail
BIN=$(cd "${1:?usage: run.sh VENV_BIN}" && pwd)
shift
cd "$(dirname "$0")/../.."
top=$PWD
# One tree per controller virtualenv: the two sanity stages may run side by side.
tree=$top/build/sanity/$(basename "$(dirname "$BIN")")
dest=$tree/ansible_collections/fleetfix/kernel
rm -rf "$tree"
mkdir -p "$dest"
git ls-files -z --cached --others --exclude-standard | rsync -a --from0 --files-from=- . "$dest/"
cd "$dest"
git init -q && git add -A && git -c user.email=ci@localhost -c user.name=ci commit -qm sanity
# ansible-test bootstraps pip in its virtualenvs with a script from a host that is not
# reachable here: give it the offline stand-in under the name it looks for.
at=$("$BIN/python" -c 'import ansible_test, os; print(os.path.dirname(ansible_test.__file__))')
pipver=$(grep -o "pip='[0-9.]*'" "$at/_internal/python_requirements.py" | head -1 | tr -dc '0-9.')
mkdir -p ~/.ansible/test/cache
cp "$top/tests/sanity/get_pip_offline.py" ~/.ansible/test/cache/get_pip_"${pipver//./_}".py
pyver=$("$BIN/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
"$BIN/ansible-test" sanity --color no --python "$pyver" --requirements "$@"
