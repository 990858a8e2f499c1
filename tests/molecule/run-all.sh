#!/usr/bin/env bash
# Run every Molecule scenario (roles/<role>/molecule/<scenario>) on the QEMU test VMs.
# Logs go to build/molecule/<role>-<scenario>.log; phase times to build/molecule/times.txt.
# Whatever happens, no VM started here outlives the run (stopped by PID, never by name).
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
out=$top/build/molecule
mkdir -p "$out"
: >"$out/times.txt"
only=${FLEETFIX_SCENARIOS:-}

# The safety net stops only the VMs this script's scenarios name (their platforms), never
# other instances that may be running from the same cache.
platform_names() {
  python3 - "$@" <<'PY'
import sys, yaml
for path in sys.argv[1:]:
    with open(path) as handle:
        for platform in (yaml.safe_load(handle) or {}).get("platforms", []):
            print(platform["name"])
PY
}
cleanup() {
  local name
  for name in $(platform_names roles/*/molecule/*/molecule.yml); do
    tests/testhost/vm.sh stop "$name" >/dev/null 2>&1 || true
  done
}
trap cleanup EXIT

stamp_lines() { while IFS= read -r line; do printf '%(%s)T %s\n' -1 "$line"; done; }

failed=0 passed=0
for yml in roles/*/molecule/*/molecule.yml; do
  [ -f "$yml" ] || continue
  role=$(echo "$yml" | cut -d/ -f2)
  scenario=$(echo "$yml" | cut -d/ -f4)
  if [ -n "$only" ] && ! grep -qw -- "$role/$scenario" <<<"$only"; then continue; fi
  log="$out/$role-$scenario.log"
  echo "--- molecule: $role/$scenario (log: $log)"
  start=$(date +%s)
  # Every line carries the second it was printed, for the phase times.
  if (cd "roles/$role" && molecule test -s "$scenario") 2>&1 | stamp_lines >"$log"; then
    status=passed; passed=$((passed + 1))
  else
    status=FAILED; failed=$((failed + 1))
    tail -n 80 "$log"
  fi
  python3 tests/molecule/phase_times.py "$log" "$role/$scenario" "$(( $(date +%s) - start ))" "$status" | tee -a "$out/times.txt"
done
echo "molecule scenarios: $passed passed, $failed failed"
[ "$failed" = 0 ]
