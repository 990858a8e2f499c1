#!/usr/bin/env bash
# The collection as Galaxy, Automation Hub, AWX and a new user get it, from the built tarball:
#   1. galaxy-importer (local mode) accepts the tarball;
#   2. antsibull-docs lint-collection-docs and antsibull-changelog lint pass;
#   3. ansible-builder create makes the build context of docs/ee/execution-environment.yml;
#   4. installed into a fresh collections path, `ansible-playbook -i localhost, -c local
#      fleetfix.kernel.audit --check` run from an empty directory writes its reports there
#      (and nothing into the installed collection).
#
#   tests/package/run.sh VENV_BIN TARBALL
set -euo pipefail
BIN=$(cd "${1:?usage: run.sh VENV_BIN TARBALL}" && pwd)
TARBALL=$(cd "$(dirname "${2:?usage: run.sh VENV_BIN TARBALL}")" && pwd)/$(basename "$2")
cd "$(dirname "$0")/../.."
top=$PWD
out=$top/build/package
rm -rf "$out" && mkdir -p "$out"
step() { printf '\n=== %s\n' "$*"; }

step "galaxy-importer on $(basename "$TARBALL")"
{ cat tests/package/galaxy-importer.cfg; printf 'TMP_ROOT_DIR = %s\nANSIBLE_LOCAL_TMP = %s\n' "$out/importer" "$out/importer/ansible"; } \
  >"$out/galaxy-importer.cfg"
mkdir -p "$out/importer"
# (from $out: galaxy-importer writes importer_result.json into the directory it runs in)
if ! (cd "$out" && GALAXY_IMPORTER_CONFIG=$out/galaxy-importer.cfg PATH=$BIN:$PATH "$BIN/python" -m galaxy_importer.main \
      "$TARBALL") >"$out/importer.log" 2>&1; then
  tail -40 "$out/importer.log"; echo "galaxy-importer refused the tarball"; exit 1
fi
grep -E "^(WARNING|ERROR)" "$out/importer.log" || true
grep -q "Importer processing completed successfully" "$out/importer.log" \
  || { tail -40 "$out/importer.log"; echo "galaxy-importer did not report success"; exit 1; }
echo "galaxy-importer: success ($(grep -c '^Loading' "$out/importer.log") contents loaded)"

step "installed from the tarball into a fresh collections path"
fresh=$out/collections
ANSIBLE_COLLECTIONS_PATH=$fresh "$BIN/ansible-galaxy" collection install --force --no-deps -p "$fresh" "$TARBALL" >/dev/null
installed=$fresh/ansible_collections/fleetfix/kernel
test -f "$installed/MANIFEST.json"
if [ -d "$installed/tests" ]; then echo "the tarball ships tests/ (build_ignore should leave them out)"; exit 1; fi

step "antsibull-docs lint-collection-docs"
ANSIBLE_COLLECTIONS_PATH=$fresh "$BIN/antsibull-docs" lint-collection-docs --plugin-docs "$installed"

step "antsibull-changelog lint"
"$BIN/antsibull-changelog" lint

step "ansible-builder create (docs/ee/execution-environment.yml)"
"$BIN/ansible-builder" create -f docs/ee/execution-environment.yml -c "$out/ee-context" >"$out/builder.log" 2>&1 \
  || { cat "$out/builder.log"; exit 1; }
# No container engine here: ansible-builder writes a Dockerfile then (a Containerfile with podman).
build_file=""
for candidate in "$out/ee-context/Containerfile" "$out/ee-context/Dockerfile"; do
  if [ -f "$candidate" ]; then build_file=$candidate; break; fi
done
[ -n "$build_file" ] || { cat "$out/builder.log"; echo "ansible-builder wrote no Containerfile or Dockerfile"; exit 1; }
grep -q "fleetfix.kernel" "$out/ee-context/_build/requirements.yml" \
  || { echo "the EE's requirements.yml does not name fleetfix.kernel"; exit 1; }
echo "build context: $out/ee-context ($(basename "$build_file"), $(wc -l <"$build_file") lines)"

step "the audit from an empty directory, as a new user runs it"
empty=$out/empty
mkdir -p "$empty"
before=$(find "$installed" -type f | LC_ALL=C sort | xargs sha256sum | sha256sum)
# No ansible.cfg here: only the fresh collections path (and the ansible package's own, for
# ansible.posix) is searched, as for a user who ran ansible-galaxy collection install.
(cd "$empty" && env -u ANSIBLE_CONFIG ANSIBLE_COLLECTIONS_PATH="$fresh" PATH="$BIN:$PATH" \
   "$BIN/ansible-playbook" -i localhost, -c local fleetfix.kernel.audit --check) >"$out/audit.log" 2>&1 \
  || { tail -40 "$out/audit.log"; echo "the audit failed"; exit 1; }
for f in fleet-report.html fleet-report.json fleet-report.md junit.xml; do
  test -s "$empty/reports/$f" || { echo "no $f in $empty/reports"; exit 1; }
done
"$BIN/python" - "$empty/reports/fleet-report.json" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
assert report["host_states"] == {"audited": 1, "failed": 0, "unreachable": 0}, report["host_states"]
print("reports in the directory the audit ran from: %s host(s), %d finding(s)"
      % (report["host_states"]["audited"], sum(len(h["findings"]) for h in report["hosts"].values())))
PY
after=$(find "$installed" -type f | LC_ALL=C sort | xargs sha256sum | sha256sum)
[ "$before" = "$after" ] || { echo "the audit wrote into the installed collection"; exit 1; }
echo "the installed collection is unchanged"
