#!/usr/bin/env bash
# Run every Molecule scenario (roles/<role>/molecule/<scenario>) on the QEMU test VMs.
# Logs go to build/molecule/<role>-<scenario>.log; phase times to build/molecule/times.txt.
# Whatever happens, no VM started here outlives the run (stopped by PID, never by name).
#
#   run-all.sh [--py27 VENV216_BIN]
#
# --py27 queues the Python 2.7 matrix (tests/py27/run.sh, its own VM) as one more job in the
# same two lanes, so the suite never runs three VMs on two cores and no lane idles.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
top=$PWD
out=$top/build/molecule
mkdir -p "$out"
: >"$out/times.txt"
only=${FLEETFIX_SCENARIOS:-}
py27_bin=""
if [ "${1:-}" = --py27 ]; then
  py27_bin=${2:?run-all.sh: --py27 needs the bin directory of the ansible-core 2.16 virtualenv}
fi

# The safety net stops only the VMs this run's scenarios name (their platforms), never
# other instances that may be running from the same cache (another run-all.sh included).
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
  local name item yml
  for name in $(for item in ${scenarios[@]+"${scenarios[@]}"}; do
                  yml="roles/${item%/*}/molecule/${item#*/}/molecule.yml"
                  [ ! -f "$yml" ] || platform_names "$yml"; done); do
    tests/testhost/vm.sh stop "$name" >/dev/null 2>&1 || true
  done
  if [ -n "$py27_bin" ]; then tests/testhost/vm.sh stop py27-matrix >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

stamp_lines() { while IFS= read -r line; do printf '%(%s)T %s\n' -1 "$line"; done; }

# Two scenarios at a time: each VM wants about one core under TCG (2 cores here).
parallel=${FLEETFIX_PARALLEL:-2}

# One job: a Molecule scenario, or the py27 matrix (queued as py27/matrix).
job() {
  if [ "$1" = py27 ]; then tests/py27/run.sh "$py27_bin"; else (cd "roles/$1" && molecule test -s "$2"); fi
}

run_one() {
  local role=$1 scenario=$2 log=$3 start status
  start=$(date +%s)
  # Every line carries the second it was printed, for the phase times.
  if job "$role" "$scenario" 2>&1 | stamp_lines >"$log"; then
    status=passed
  else
    status=FAILED
  fi
  python3 tests/molecule/phase_times.py "$log" "$role/$scenario" "$(( $(date +%s) - start ))" "$status" \
    >"$log.times"
  echo "$status" >"$log.status"
}

# The longest scenarios start first (measured under TCG: a kernel upgrade with two initramfs
# builds and a reboot, the USB NIC scenarios' two reboots), so two lanes end close together.
LONG_FIRST="initramfs_drivers/upgrade persistent_net/default persistent_net/networkmanager persistent_net/netplan persistent_net/live persistent_net/udev initramfs_drivers/initramfs_tools"
scenarios=()
for yml in roles/*/molecule/*/molecule.yml; do
  [ -f "$yml" ] || continue
  role=$(echo "$yml" | cut -d/ -f2)
  scenario=$(echo "$yml" | cut -d/ -f4)
  if [ -n "$only" ] && ! grep -qw -- "$role/$scenario" <<<"$only"; then continue; fi
  scenarios+=("$role/$scenario")
done
ordered=()
for item in $LONG_FIRST; do
  if printf '%s\n' ${scenarios[@]+"${scenarios[@]}"} | grep -qx -- "$item"; then ordered+=("$item"); fi
done
# The matrix (about 6.5 min) goes after the long scenarios, before the short ones.
[ -z "$py27_bin" ] || ordered+=(py27/matrix)
for item in ${scenarios[@]+"${scenarios[@]}"}; do
  grep -qw -- "$item" <<<"$LONG_FIRST" || ordered+=("$item")
done
scenarios=(${ordered[@]+"${ordered[@]}"})

for item in "${scenarios[@]}"; do
  role=${item%/*} scenario=${item#*/}
  log="$out/$role-$scenario.log"
  rm -f "$log.status" "$log.times"
  while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n || true; done
  echo "--- molecule: $role/$scenario (log: $log)"
  run_one "$role" "$scenario" "$log" &
done
wait

failed=0 passed=0
for item in "${scenarios[@]}"; do
  role=${item%/*} scenario=${item#*/}
  log="$out/$role-$scenario.log"
  if [ "$(cat "$log.status" 2>/dev/null)" = passed ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "=== $role/$scenario FAILED; the end of its log:"
    tail -n 80 "$log"
  fi
  [ -f "$log.times" ] && tee -a "$out/times.txt" <"$log.times"
done
echo "VM jobs (Molecule scenarios${py27_bin:+ and the py27 matrix}): $passed passed, $failed failed"
[ "$failed" = 0 ]
