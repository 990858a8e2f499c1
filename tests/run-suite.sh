#!/usr/bin/env bash
# Run test stages one after another (each is a make target), time them, keep going after a
# failure so one run shows everything, and end with one summary line. Exit 1 if any failed.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
mkdir -p build
passed=0 failed=0
summary=()
suite_start=$(date +%s)
for stage in "$@"; do
  echo "=============================== $stage ==============================="
  start=$(date +%s)
  if make --no-print-directory "$stage"; then
    result=passed; passed=$((passed + 1))
  else
    result=FAILED; failed=$((failed + 1))
  fi
  summary+=("$(printf '%-10s %-7s %5d s' "$stage" "$result" $(( $(date +%s) - start )))")
done
echo "=============================== summary ==============================="
printf '%s\n' "${summary[@]}" | tee build/suite-times.txt
echo "total      $(( $(date +%s) - suite_start )) s" | tee -a build/suite-times.txt
echo "stages: $passed passed, $failed failed"
[ "$failed" = 0 ]
