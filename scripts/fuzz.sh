#!/usr/bin/env bash
# Runs every libFuzzer target in BUILD_DIR for SECONDS each over its corpus.
set -euo pipefail
build=${1:?usage: fuzz.sh BUILD_DIR SECONDS}
seconds=${2:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
status=0
for bin in "$build"/tests-bin/*_fuzz; do
  name=$(basename "$bin")
  corpus="$src/tests/fuzz/corpus/$name"
  work=$(mktemp -d)
  echo "fuzz: $name for ${seconds}s (new inputs in $work)"
  if ! "$bin" -max_total_time="$seconds" -print_final_stats=1 "$work" "$corpus"; then
    echo "fuzz: $name found a crash; add the input to $corpus and fix it"
    status=1
  fi
done
exit $status
