#!/usr/bin/env bash
# LibnlNetlink on the kernel: the Netlink contract (the same test body FakeNetlink passes in
# the unit tier), the fast path's bridge, VXLAN and flood entries as iproute2 sees them, a
# veth whose far end is created straight in a pod namespace, and sysctls that change only
# the namespace they are set in. Runs weft_netlink_kernel_tests inside a host namespace
# created here; nothing touches the root namespace.
. "$(dirname "$0")/lib.sh"
require_root_netns

bin="$WEFT_BIN_DIR/../tests-bin/weft_netlink_kernel_tests"
[ -x "$bin" ] || { echo "FAIL: $bin not built"; exit 1; }
ns_add host
HOST=$NS
ns_add pod
POD=$NS
root_links=$(ip -o link show | wc -l)

check "the Netlink contract and the kernel's view agree" \
  env WEFT_TEST_NETNS="$HOST" WEFT_TEST_NETNS_PATH="/run/netns/$HOST" \
  WEFT_TEST_PEER_NETNS="$POD" WEFT_TEST_PEER_NETNS_PATH="/run/netns/$POD" "$bin"
check "nothing was added to the root namespace" test "$(ip -o link show | wc -l)" = "$root_links"
check "the test's devices are gone from the host namespace" \
  test "$(ip -n "$HOST" -o link show | wc -l)" = 1
finish
