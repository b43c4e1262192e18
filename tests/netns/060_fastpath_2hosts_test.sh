#!/usr/bin/env bash
# The fast path on real kernels: FastPath::reconcile (through LibnlNetlink) gives each of
# two hosts bridge weft and VXLAN weft-vxlan on UDP 6784 with a flood entry to the other,
# and a pod per host on a veth made straight into the pod's namespace; then the pods ping
# each other across the underlay (ARP crosses it too), the packets on the underlay are VXLAN
# on 6784, and reset removes everything. weftd drives the same code in a later step.
. "$(dirname "$0")/lib.sh"
require_root_netns

bin="$WEFT_BIN_DIR/../tests-bin/weft_router_kernel_tests"
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
make_hosts 2
ns_add pod1
POD1=$NS
ns_add pod2
POD2=$NS
export WEFT_TEST_HOST1=${HOSTS[1]} WEFT_TEST_HOST2=${HOSTS[2]} WEFT_TEST_POD1=$POD1 \
  WEFT_TEST_POD2=$POD2 WEFT_TEST_UNDERLAY1=198.18.0.1 WEFT_TEST_UNDERLAY2=198.18.0.2

check "reconcile builds the fast path on both hosts, and again changes nothing" "$bin" "[fastpath]"
check "the VXLAN device sends to UDP 6784" \
  contains "$(ip -d -n "${HOSTS[1]}" link show weft-vxlan)" "dstport 6784"
check "a flood entry points at the other host" \
  contains "$(bridge -n "${HOSTS[1]}" fdb show dev weft-vxlan)" "00:00:00:00:00:00 dst 198.18.0.2"
in_ns "${HOSTS[1]}" timeout 20 tcpdump -i eth0 -n -T vxlan -c 4 udp port 6784 >"$T_TMP/cap" 2>/dev/null &
CAP=$!
T_PIDS+=("$CAP")
sleep 0.5
check "pod on host 1 pings pod on host 2 across the overlay" \
  in_ns "$POD1" ping -c 3 -W 2 10.32.0.2
check "and back" in_ns "$POD2" ping -c 3 -W 2 10.32.0.1
check "ARP resolved the far pod across hosts" \
  contains "$(ip -n "$POD1" neigh show 10.32.0.2)" "lladdr"
wait "$CAP" 2>/dev/null
check "the underlay carried it as VXLAN on UDP 6784 with weft's VNI" contains "$(cat "$T_TMP/cap")" "vni 7825012"
check "reset removes what weft made" "$bin" "[reset]"
check "host 1 has only lo and eth0 left" test "$(ip -n "${HOSTS[1]}" -o link show | wc -l)" = 2
finish
