#!/usr/bin/env bash
# ipam_alloc_bench: allocations per second and p50/p99 latency through a real weftd's
# unix-socket API with durable commits (SQLite synchronous=FULL, the default), 1 client and
# 8 concurrent clients; then the same with --db-sync-normal. The baseline, measured in the
# same run on the same disk, is raw sqlite3 doing one durable commit at a time
# (bench/ipam_alloc_bench.cpp). Goal: >= 2,000 allocations/s and p99 < 5 ms.
#
# Usage: bench/ipam_alloc_bench.sh [BUILD_DIR]   (default build/release; needs root)
# Env: N (allocations per run, default 4000), KEEP=1 keeps the logs.
#
# Rules (as for tests/netns): weftd runs in a namespace this script creates, nothing is
# added to the root namespace, and only the weftd started here is ended, by pid.
set -euo pipefail

build=${1:-build/release}
N=${N:-4000}
me=ipam_alloc_bench
for b in weftd weft ipam_alloc_bench; do
  [ -x "$build/bin/$b" ] || { echo "$me: $build/bin/$b not built (cmake --build $build -j2)"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "$me: SKIP: needs root (network namespace)"; exit 0; }
command -v ip >/dev/null || { echo "$me: SKIP: iproute2 is not installed"; exit 0; }

NS="wfa$$"
TMP=$(mktemp -d "/tmp/weft-ipam-bench-$$.XXXXXX")
PID=""
cleanup() {
  trap - EXIT INT TERM
  set +e
  if [ -n "$PID" ]; then
    kill -TERM "$PID" 2>/dev/null
    for _ in $(seq 50); do kill -0 "$PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
  fi
  ip netns del "$NS" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "$me: logs in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip -n "$NS" link set lo up

# run_weftd DIR [ARGS...]: one weftd seeding the ring alone; waits until it is ready.
run_weftd() {
  local dir=$1; shift
  ip netns exec "$NS" "$build/bin/weftd" --data-dir "$TMP/$dir/data" --run-dir "$TMP/$dir/run" \
    --nickname bench --ipalloc-init seed=bench --host 127.0.0.1 --api-tcp off "$@" \
    >>"$TMP/$dir.log" 2>&1 &
  PID=$!
  for _ in $(seq 100); do
    if "$build/bin/weft" --run-dir "$TMP/$dir/run" status 2>/dev/null | grep -q "Status: ready"; then
      return 0
    fi
    sleep 0.1
  done
  echo "$me: weftd did not get ready; its log:"; cat "$TMP/$dir.log"; exit 1
}
stop_weftd() {
  kill -TERM "$PID"; wait "$PID" || true; PID=""
}

status=0
run_weftd full
"$build/bin/ipam_alloc_bench" "$TMP/full/run/weftd.sock" "$TMP" FULL "$N" || status=1
stop_weftd
run_weftd normal --db-sync-normal
"$build/bin/ipam_alloc_bench" "$TMP/normal/run/weftd.sock" "$TMP" NORMAL "$N" || status=1
stop_weftd
exit $status
