#!/usr/bin/env bash
# fastdp_iperf_bench: pod-to-pod TCP throughput across two hosts over weft's kernel VXLAN
# fast path, against two baselines measured in the same run on the same two hosts:
#   veth  the bare underlay: iperf3 host to host (the ceiling of anything on top of it);
#   hand  a kernel VXLAN overlay built by this script by hand, as one would without weft:
#         bridge + VXLAN (VNI 42, UDP 4789, static remote) + a pod per host, MTU 1450;
#   weft  weftd on each host, pods attached by weft-cni through the upstream cnitool.
# Rounds interleave the three (veth, hand, weft, veth, ...) so drift on a noisy machine hits
# all alike; each figure is the median of its rounds. Goal (issue 5): weft >= 0.95x hand.
#
#   [h1 eth0 198.18.0.1]--[sw br0]--[h2 eth0 198.18.0.2]
#    h1: bridge weft (weftd) + bridge hb (hand)     h2: the same
#        pods: w1 (weft-cni), p1 (hand)                 pods: w2, p2
#
# Usage: bench/fastdp_iperf_bench.sh [BUILD_DIR]   (default build/release; root)
# Env: ROUNDS (default 3), SECONDS_EACH (iperf3 -t, default 8), STREAMS (-P, default 1).
set -u
build=${1:-build/release}
ROUNDS=${ROUNDS:-3}
SECONDS_EACH=${SECONDS_EACH:-8}
STREAMS=${STREAMS:-1}
export WEFT_BIN_DIR
WEFT_BIN_DIR=$(cd "$build/bin" && pwd)
. "$(dirname "$0")/../tests/netns/lib.sh"
require_root_netns
for c in iperf3; do command -v "$c" >/dev/null || skip "$c is not installed (make deps)"; done
NET="weftbench$$"

make_hosts 2
use_cni "$NET"
for i in 1 2; do
  start_weftd "${HOSTS[$i]}" "h$i" --peer 198.18.0.1 --peer 198.18.0.2 --ipalloc-init seed=h1,h2
  wait_weftd "${HOSTS[$i]}" "h$i" || exit 1
  cni_conflist "h$i" "$NET"
done
for i in 1 2; do
  until_ok 30 exposed "${HOSTS[$i]}" h$i ||
    { echo "FAIL: weftd on h$i did not expose its bridge"; exit 1; }
done
declare -A WIP
for i in 1 2; do
  ns_add "w$i"
  eval "W$i=\$NS"
  out=$(cnitool_on "${HOSTS[$i]}" "h$i" add "$NET" "$NS") || { echo "FAIL: cnitool add: $out"; exit 1; }
  WIP[$i]=$(echo "$out" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ips"][0]["address"].split("/")[0])')
done

# The hand-built overlay beside weft's (its own bridge, VNI and port).
for i in 1 2; do
  h=${HOSTS[$i]}
  other=$((3 - i))
  ip -n "$h" link add hb type bridge
  ip -n "$h" link set hb mtu 1450 up
  ip -n "$h" link add hvx type vxlan id 42 local "198.18.0.$i" remote "198.18.0.$other" dstport 4789 dev eth0
  ip -n "$h" link set hvx master hb up
  ns_add "p$i"
  eval "P$i=\$NS"
  ip -n "$h" link add "hp$i" mtu 1450 type veth peer name eth0 mtu 1450 netns "$NS"
  ip -n "$h" link set "hp$i" master hb up
  ip -n "$NS" addr add "10.99.0.$i/24" dev eth0
  ip -n "$NS" link set eth0 up
done

# iperf_gbps SERVER_NS CLIENT_NS ADDRESS: one TCP run, prints Gbit/s received.
iperf_gbps() {
  local s=$1 c=$2 addr=$3 pid out
  ip netns exec "$s" iperf3 -s -1 -p 5299 >/dev/null 2>&1 &
  pid=$!
  T_PIDS+=("$pid")
  sleep 0.3
  ping_ok "$c" "$addr"
  out=$(ip netns exec "$c" iperf3 -c "$addr" -p 5299 -t "$SECONDS_EACH" -P "$STREAMS" -J 2>&1)
  wait "$pid" 2>/dev/null
  echo "$out" | python3 -c 'import json,sys; print("%.3f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9))'
}
ping_ok() { until_ok 10 ip netns exec "$1" ping -c 1 -W 1 "$2" >/dev/null || { echo "FAIL: $2 unreachable from $1"; exit 1; }; }

declare -a VETH HAND WEFT
for r in $(seq "$ROUNDS"); do
  VETH+=("$(iperf_gbps "${HOSTS[2]}" "${HOSTS[1]}" 198.18.0.2)")
  HAND+=("$(iperf_gbps "$P2" "$P1" 10.99.0.2)")
  WEFT+=("$(iperf_gbps "$W2" "$W1" "${WIP[2]}")")
  echo "round $r: veth ${VETH[-1]}  hand-built vxlan ${HAND[-1]}  weft ${WEFT[-1]} Gbit/s"
done
python3 - "${VETH[*]}" "${HAND[*]}" "${WEFT[*]}" "$STREAMS" <<'PY'
import statistics, sys
veth, hand, weft = (statistics.median(float(x) for x in a.split()) for a in sys.argv[1:4])
print(f"fastdp_iperf ({sys.argv[4]} stream(s), median of rounds): veth underlay {veth:.2f} Gbit/s, "
      f"hand-built VXLAN {hand:.2f}, weft fast path {weft:.2f}")
print(f"fastdp_iperf ratio weft/hand-built VXLAN = {weft / hand:.3f} (goal >= 0.95); "
      f"weft/veth = {weft / veth:.3f}; hand/veth = {hand / veth:.3f}")
PY
