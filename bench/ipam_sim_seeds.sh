#!/usr/bin/env bash
# The 100-peer IPAM simulation over many seeds (default 10,000; CI runs 1-200), in one shard
# per core. Prints seeds per second and, for a failure, the seed and how to replay it. The
# figure is correctness, not speed: the baseline is the same binary's pass count.
#   bench/ipam_sim_seeds.sh [build-dir] [seeds] [first-seed]
# SEED_LOG_DIR=DIR keeps each shard's log there (a seed printed before the next one started
# in the same shard passed), so a sweep stopped early still counts.
set -euo pipefail
build=${1:-build/release}
seeds=${2:-10000}
first=${3:-1}
bin="$build/tests-bin/weft_ipam_scale_sim_tests"
if [[ ! -x $bin ]]; then
  echo "ipam_sim_seeds: $bin is missing: cmake --build $build --target weft_ipam_scale_sim_tests" >&2
  exit 1
fi
shards=$(nproc)
per=$(((seeds + shards - 1) / shards))
logs=${SEED_LOG_DIR:-$(mktemp -d)}
mkdir -p "$logs"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  [ -n "${SEED_LOG_DIR:-}" ] || rm -rf "$logs"
}
trap cleanup EXIT
start=$(date +%s)
for ((s = 0; s < shards; s++)); do
  from=$((first + s * per))
  n=$((per < first + seeds - from ? per : first + seeds - from))
  ((n > 0)) || continue
  WEFT_SIM_SEED_FIRST=$from WEFT_SIM_SEEDS=$n "$bin" >"$logs/$first-$s.log" 2>&1 &
  pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=1; done
pids=()
secs=$(($(date +%s) - start))
ran=$(cat "$logs/$first"-*.log | grep -c '^ipam sim: 100 peers, seed' || true)
echo "ipam_sim_seeds: $ran of $seeds seeds in ${secs}s ($(awk -v n="$ran" -v s="$secs" 'BEGIN { printf "%.2f", n / (s ? s : 1) }') seeds/s, $shards shards)"
if ((failed)); then
  grep -h -B2 -A12 'FAILED' "$logs/$first"-*.log | head -60
  # The seed of the failure, from the failure's own block (every seed's start line also
  # names its replay command, so a plain grep would name a passing seed).
  grep -h -A4 'FAILED:' "$logs/$first"-*.log | grep -o 'replay with WEFT_SIM_SEED=[0-9]*' |
    sort -u | head -5 || true
  echo "ipam_sim_seeds: FAILED (the replay line above names the seed)"
  exit 1
fi
echo "ipam_sim_seeds: all $ran seeds passed"
