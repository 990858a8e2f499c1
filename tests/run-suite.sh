#!/usr/bin/env bash
# Run test stages (each a make target), time them, keep going after a failure so one run
# shows everything, and end with a summary. Exit 1 if any stage failed.
#
#   run-suite.sh STAGE|"STAGE STAGE ..." ...
#
# An argument naming several stages is a group: its stages run two at a time (two cores;
# FLEETFIX_LANES changes that), in the order given, each into build/stages/<stage>.log,
# which is printed whole when that stage ends. Arguments run one after another.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
mkdir -p build/stages
lanes=${FLEETFIX_LANES:-2}
summary=()
suite_start=$(date +%s)

banner() { echo "=============================== $1 ==============================="; }

# One stage: its output into build/stages/<stage>.log, or as it goes with --tty; its summary
# line (stage, result, seconds) into build/stages/<stage>.log.result, written last.
run_stage() {
  local stage=$1 log=build/stages/$1.log start result
  start=$(date +%s)
  if [ "${2:-}" = --tty ]; then make --no-print-directory "$stage"; else make --no-print-directory "$stage" >"$log" 2>&1; fi \
    && result=passed || result=FAILED
  printf '%-11s %-7s %5d s\n' "$stage" "$result" $(( $(date +%s) - start )) >"$log.result"
}

for group in "$@"; do
  read -r -a stages <<<"$group"
  if [ "${#stages[@]}" = 1 ]; then
    # A stage of its own prints as it goes (the VM stage runs for half an hour).
    banner "${stages[0]}"
    run_stage "${stages[0]}" --tty
    summary+=("$(cat "build/stages/${stages[0]}.log.result")")
    continue
  fi
  start=$(date +%s)
  pending=("${stages[@]}") running=()
  while [ "${#pending[@]}" -gt 0 ] || [ "${#running[@]}" -gt 0 ]; do
    while [ "${#pending[@]}" -gt 0 ] && [ "${#running[@]}" -lt "$lanes" ]; do
      rm -f "build/stages/${pending[0]}.log.result"
      run_stage "${pending[0]}" &
      running+=("${pending[0]}")
      pending=("${pending[@]:1}")
    done
    wait -n || true
    still=()
    for stage in "${running[@]}"; do
      if [ -f "build/stages/$stage.log.result" ]; then
        banner "$stage"
        cat "build/stages/$stage.log"
        summary+=("$(cat "build/stages/$stage.log.result")")
      else
        still+=("$stage")
      fi
    done
    running=(${still[@]+"${still[@]}"})
  done
  summary+=("$(printf '%-11s %-7s %5d s' "(group)" "" $(( $(date +%s) - start )))")  # wall time
done
echo "=============================== summary ==============================="
printf '%s\n' "${summary[@]}" | tee build/suite-times.txt
echo "total       $(( $(date +%s) - suite_start )) s" | tee -a build/suite-times.txt
failed=$(printf '%s\n' "${summary[@]}" | grep -c ' FAILED ')
echo "stages: $(printf '%s\n' "${summary[@]}" | grep -c ' passed ') passed, $failed failed"
[ "$failed" = 0 ]
