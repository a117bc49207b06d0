#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-3.0-or-later
#
# run-fuzzer.sh FUZZER SEEDS WORK TARGETS [DICT]: runs one libFuzzer target for its share of
# MEOW_FUZZ_SECONDS (default 60, split evenly between TARGETS targets; 0 only replays the
# seeds), starting from the checked-in SEEDS and the corpus grown in WORK by earlier runs.
# Prints the executions; fails on any crash, leak, timeout or sanitizer report and prints
# the input that caused it and how to replay it. MEOW_FUZZ_DETECT_LEAKS=0 (set per target in
# meson.build) turns LeakSanitizer off for a target whose dependency leaks.

set -uo pipefail

fuzzer="$1" seeds="$2" work="$3" targets="$4" dict="${5:-}"
name="$(basename "$fuzzer")"
total="${MEOW_FUZZ_SECONDS:-60}"

if ! [[ "$total" =~ ^[0-9]+$ ]]; then
  echo "$name: MEOW_FUZZ_SECONDS must be a whole number of seconds, not “$total”" >&2
  exit 2
fi

corpus="$work/corpus"
artifacts="$work/artifacts"
log="$work/fuzz.log"
mkdir -p "$corpus" "$artifacts"
rm -f "$log"
stamp="$work/started"
touch "$stamp"

args=(-print_final_stats=1 -timeout=10 -rss_limit_mb=2048 -max_len=16384
      "-artifact_prefix=$artifacts/")
if [[ -n "$dict" && -f "$dict" ]]; then
  args+=("-dict=$dict")
fi
if ((total == 0)); then
  args+=(-runs=0)
  seconds=0
else
  seconds=$((total / targets))
  ((seconds > 0)) || seconds=1
  args+=("-max_total_time=$seconds")
fi

export G_SLICE=always-malloc
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}abort_on_error=0:detect_leaks=${MEOW_FUZZ_DETECT_LEAKS:-1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}print_stacktrace=1:halt_on_error=1"

# New inputs go to the first corpus directory (WORK), never into the checked-in seeds.
"$fuzzer" "${args[@]}" "$corpus" "$seeds" > "$log" 2>&1
rc=$?

runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
corpus_size="$(find "$corpus" -type f | wc -l)"
seed_count="$(find "$seeds" -type f | wc -l)"
echo "$name: ${runs:-?} executions in ${seconds} s (seeds: $seed_count, corpus: $corpus_size)"
grep -E '^(#[0-9]+ +DONE|Done [0-9]+ runs)' "$log" | tail -n 2

if ((rc != 0)); then
  echo "$name: FAILED (exit $rc); the end of $log:"
  tail -n 60 "$log"
  find "$artifacts" -type f -newer "$stamp" | while read -r crash; do
    echo "$name: input saved as $crash; replay with: $fuzzer $crash"
  done
  exit 1
fi
exit 0
