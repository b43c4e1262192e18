#!/usr/bin/env bash
# dns_bench: weft DNS against dnsmasq, the same 300 names, in one run. weftd answers
# web-1..web-300.weft.local (registered with `weft dns-add`) on 127.0.0.1:5300 of a namespace
# this script creates; dnsmasq answers the same names from a hosts file (--local=/weft.local/,
# so the 3% missing names are NXDOMAIN there too, without an upstream) on 127.0.0.2:5300 of
# the same namespace. The query file is the 300 names plus 10 that do not exist. For each
# server, interleaved over ROUNDS rounds: dnsperf for DURATION s at full rate (4 clients,
# 200 outstanding) and dnsperf at a fixed 1,000 queries/s for the unloaded latency; the
# median of the rounds is printed with the ratio weft/dnsmasq. Goal: weft >= 1.0x dnsmasq.
#
# Usage: bench/dns_bench.sh [BUILD_DIR]   (default build/release; needs root, dnsperf, dnsmasq)
# Env: DURATION (default 10), ROUNDS (default 3), KEEP=1 keeps the logs.
#
# Rules (as for tests/netns): everything runs in a namespace this script creates, nothing is
# added to the root namespace, and only processes started here are ended, by pid.
set -euo pipefail

build=${1:-build/release}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
me=dns_bench
for b in weftd weft; do
  [ -x "$build/bin/$b" ] || { echo "$me: $build/bin/$b not built (cmake --build $build -j2)"; exit 1; }
done
[ "$(id -u)" -eq 0 ] || { echo "$me: SKIP: needs root (network namespace)"; exit 0; }
for c in ip dnsperf dnsmasq dig; do
  command -v $c >/dev/null || { echo "$me: SKIP: $c is not installed (make deps)"; exit 0; }
done

NS="wfd$$"
TMP=$(mktemp -d "/tmp/weft-dns-bench-$$.XXXXXX")
PIDS=()
cleanup() {
  trap - EXIT INT TERM
  set +e
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
  done
  ip netns del "$NS" 2>/dev/null
  if [ "${KEEP:-0}" = 1 ]; then echo "$me: logs in $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT INT TERM
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" addr add 127.0.0.2/8 dev lo 2>/dev/null || true
inns() { ip netns exec "$NS" "$@"; }

# The records and the queries, as ../shared/tools/dns-baseline.sh makes them.
: >"$TMP/hosts"; : >"$TMP/queries"
for ((i = 1; i <= 300; i++)); do
  echo "10.40.$((i / 250)).$((i % 250 + 2)) web-$i.weft.local" >>"$TMP/hosts"
  echo "web-$i.weft.local A" >>"$TMP/queries"
done
for ((i = 1; i <= 10; i++)); do echo "missing-$i.weft.local A" >>"$TMP/queries"; done

# weftd: one host seeding its own ring; DNS on loopback (no bridge address needed), no upstream.
# Started with ip netns exec itself, not through inns: $! must be the server's pid (for its CPU).
ip netns exec "$NS" "$build/bin/weftd" --data-dir "$TMP/w/data" --run-dir "$TMP/w/run" --nickname bench \
  --ipalloc-init seed=bench --host 127.0.0.1 --api-tcp off --dns-listen 127.0.0.1:5300 \
  --resolv-conf /dev/null >>"$TMP/weftd.log" 2>&1 &
WPID=$!
PIDS+=("$WPID")
W=("$build/bin/weft" --run-dir "$TMP/w/run")
for _ in $(seq 100); do "${W[@]}" status 2>/dev/null | grep -A1 'Service: dns' | grep -q 'ready' && break; sleep 0.1; done
"${W[@]}" status | grep -A1 'Service: dns' | grep -q ready || { echo "$me: weftd DNS not ready:"; cat "$TMP/weftd.log"; exit 1; }
while read -r addr name; do "${W[@]}" dns-add "${name%.weft.local}" "$addr" >/dev/null; done <"$TMP/hosts"

ip netns exec "$NS" dnsmasq --keep-in-foreground --user=root --port=5300 --listen-address=127.0.0.2 \
  --bind-interfaces --no-resolv --no-hosts --addn-hosts="$TMP/hosts" --local=/weft.local/ \
  --cache-size=1000 >>"$TMP/dnsmasq.log" 2>&1 &
DPID=$!
PIDS+=("$DPID")
sleep 0.5

for s in 127.0.0.1:$WPID:weft 127.0.0.2:$DPID:dnsmasq; do
  IFS=: read -r ip pid tag <<<"$s"
  got=$(inns dig +short +time=2 -p 5300 @"$ip" web-300.weft.local A)
  [ "$got" = 10.40.1.52 ] || { echo "$me: $tag answered '$got' for web-300.weft.local, not 10.40.1.52"; exit 1; }
  nx=$(inns dig +time=2 -p 5300 @"$ip" missing-1.weft.local A | grep -c NXDOMAIN || true)
  [ "$nx" -ge 1 ] || { echo "$me: $tag did not say NXDOMAIN for missing-1.weft.local"; exit 1; }
done

jiffies() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# load IP PID TAG ROUND: dnsperf at full rate, then at 1,000 queries/s.
load() {
  local ip=$1 pid=$2 tag=$3 r=$4 j1 j2
  j1=$(jiffies "$pid")
  inns dnsperf -s "$ip" -p 5300 -d "$TMP/queries" -l "$DURATION" -c 4 -T 1 -q 200 \
    >"$TMP/$tag-$r.txt" 2>&1 || true
  j2=$(jiffies "$pid")
  echo "$(( (j2 - j1) * 100 / $(getconf CLK_TCK) / DURATION ))" >"$TMP/$tag-$r.cpu"
  inns dnsperf -s "$ip" -p 5300 -d "$TMP/queries" -l "$DURATION" -Q 1000 \
    >"$TMP/$tag-$r-1k.txt" 2>&1 || true
}
for r in $(seq "$ROUNDS"); do
  load 127.0.0.1 "$WPID" weft "$r"
  load 127.0.0.2 "$DPID" dnsmasq "$r"
done

median() { sort -n | awk '{a[NR]=$1} END {if (NR == 0) print "?"; else print a[int((NR + 1) / 2)]}'; }
report() {
  local tag=$1
  QPS[$tag]=$(for r in $(seq "$ROUNDS"); do awk '/Queries per second/{print $4}' "$TMP/$tag-$r.txt"; done | median)
  LAT[$tag]=$(for r in $(seq "$ROUNDS"); do awk '/Average Latency/{print $4}' "$TMP/$tag-$r.txt"; done | median)
  LOST[$tag]=$(for r in $(seq "$ROUNDS"); do awk '/Queries lost/{print $3}' "$TMP/$tag-$r.txt"; done | median)
  LAT1K[$tag]=$(for r in $(seq "$ROUNDS"); do awk '/Average Latency/{print $4}' "$TMP/$tag-$r-1k.txt"; done | median)
  CPU[$tag]=$(cat "$TMP/$tag"-*.cpu | median)
  printf '%-8s %10s queries/s (lost %s), avg latency %s s at full rate; %s s at 1,000 q/s; server CPU %s%%\n' \
    "$tag" "${QPS[$tag]}" "${LOST[$tag]}" "${LAT[$tag]}" "${LAT1K[$tag]}" "${CPU[$tag]}"
}
declare -A QPS LAT LOST LAT1K CPU
echo "$me: 300 names + 10 missing, dnsperf ${DURATION} s x $ROUNDS rounds (median), 4 clients, 200 outstanding"
report weft
report dnsmasq
awk -v w="${QPS[weft]}" -v d="${QPS[dnsmasq]}" -v lw="${LAT1K[weft]}" -v ld="${LAT1K[dnsmasq]}" 'BEGIN {
  printf "ratio weft/dnsmasq: %.2fx queries/s (goal >= 1.0x); latency at 1,000 q/s %.2fx of dnsmasq'"'"'s\n", w / d, lw / ld }'
